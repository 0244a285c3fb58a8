package dev.weft.nat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The comment that ties a rule or set element to its attachment: {@code net=<network>
 * id=<containerId> if=<ifname>}. Characters outside {@code [A-Za-z0-9_.@+-]} are %-escaped, so
 * the comment never needs quoting beyond the outer quotes. nft caps comments at 128 characters: a
 * longer one shortens the container id (then the network) to a prefix plus {@code ~} and a hash,
 * so matching stays exact; only {@link #decode} of such a comment returns the shortened names.
 */
final class AttachmentComment {
  static final int MAX = 128;

  private AttachmentComment() {}

  static String encode(AttachmentId id) {
    String net = escape(id.network()), cid = escape(id.containerId()), ifn = escape(id.ifname());
    String full = format(net, cid, ifn);
    if (full.length() <= MAX) return full;
    String h = hash(full).substring(0, 12);
    cid = cid.substring(0, Math.min(cid.length(), 16)) + "~" + h;
    if (format(net, cid, ifn).length() > MAX) net = net.substring(0, Math.min(net.length(), 32)) + "~" + h;
    return format(net, cid, ifn);
  }

  /** The attachment a comment names, or null when it is not a weft attachment comment. */
  static AttachmentId decode(String comment) {
    if (comment == null || !comment.startsWith("net=")) return null;
    String[] f = comment.split(" ");
    if (f.length != 3 || !f[1].startsWith("id=") || !f[2].startsWith("if=")) return null;
    try {
      return new AttachmentId(unescape(f[0].substring(4)), unescape(f[1].substring(3)), unescape(f[2].substring(3)));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether the comment names an attachment of {@code network} (a shortened name matches its prefix). */
  static boolean belongsTo(String comment, String network) {
    AttachmentId id = decode(comment);
    if (id == null) return false;
    if (id.network().equals(network)) return true;
    int tilde = id.network().indexOf('~');
    return tilde > 0 && escape(network).length() > tilde && escape(network).startsWith(escape(id.network().substring(0, tilde)));
  }

  /** A short stable name part for per-attachment iptables chains: 16 hex digits. */
  static String chainHash(AttachmentId id) {
    return hash(encode(id)).substring(0, 16).toUpperCase(java.util.Locale.ROOT);
  }

  private static String format(String net, String cid, String ifn) {
    return "net=" + net + " id=" + cid + " if=" + ifn;
  }

  private static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean plain(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' || c == '+' || c == '-';
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if (plain(c)) b.append((char) c);
      else b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
    }
    return b.toString();
  }

  private static String unescape(String s) {
    if (s.indexOf('%') < 0) return s;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else out.write(c);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
