package dev.weft.kernel;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The attributes of one message or nested attribute, indexed by type (the last one wins when a
 * type repeats). Parsing validates every length against the bytes present, so a malformed
 * message throws {@link NetlinkFormatException} instead of reading out of bounds; the typed
 * getters check the value size too.
 */
final class NlAttrs {
  private static final int TYPE_MASK = 0x3fff; // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER
  private static final int[] NONE = new int[0];

  private final byte[] buf;
  private int[] offset = NONE; // value offset + 1 per type (0 = absent)
  private int[] length = NONE;

  private NlAttrs(byte[] buf) {
    this.buf = buf;
  }

  static NlAttrs parse(byte[] buf, int off, int len) {
    if (off < 0 || len < 0 || len > buf.length - off) throw new NetlinkFormatException("attribute area " + off + "+" + len + " outside buffer");
    NlAttrs a = new NlAttrs(buf);
    int end = off + len;
    while (end - off >= 4) {
      int attrLen = Bytes.u16(buf, off);
      int type = Bytes.u16(buf, off + 2) & TYPE_MASK;
      if (attrLen < 4 || attrLen > end - off)
        throw new NetlinkFormatException("attribute type " + type + " length " + attrLen + " with " + (end - off) + " bytes left");
      a.put(type, off + 4, attrLen - 4);
      off += Math.min(NetlinkWriter.align(attrLen), end - off);
    }
    return a; // fewer than 4 trailing bytes: padding, as the kernel's nla_ok tolerates
  }

  private void put(int type, int valueOff, int valueLen) {
    if (type >= offset.length) {
      int n = Math.max(type + 1, Math.min(offset.length * 2, TYPE_MASK + 1));
      offset = Arrays.copyOf(offset, n);
      length = Arrays.copyOf(length, n);
    }
    offset[type] = valueOff + 1;
    length[type] = valueLen;
  }

  boolean has(int type) {
    return type < offset.length && offset[type] != 0;
  }

  int length(int type) {
    return has(type) ? length[type] : -1;
  }

  private int at(int type, int size) {
    if (!has(type)) throw new NetlinkFormatException("attribute type " + type + " missing");
    if (length[type] < size) throw new NetlinkFormatException("attribute type " + type + " has " + length[type] + " bytes, needs " + size);
    return offset[type] - 1;
  }

  int u8(int type) {
    return buf[at(type, 1)] & 0xff;
  }

  int u16(int type) {
    return Bytes.u16(buf, at(type, 2));
  }

  int be16(int type) {
    return Bytes.be16(buf, at(type, 2));
  }

  int u32(int type) {
    return Bytes.u32(buf, at(type, 4));
  }

  int u32(int type, int absent) {
    return has(type) ? u32(type) : absent;
  }

  byte[] bytes(int type) {
    int at = at(type, 0);
    return Arrays.copyOfRange(buf, at, at + length[type]);
  }

  /** A NUL-terminated (or unterminated) string. */
  String string(int type) {
    int at = at(type, 0);
    int n = 0;
    while (n < length[type] && buf[at + n] != 0) n++;
    return new String(buf, at, n, StandardCharsets.UTF_8);
  }

  String string(int type, String absent) {
    return has(type) ? string(type) : absent;
  }

  /** A 4- or 16-byte address; other sizes are malformed. */
  InetAddress address(int type) {
    int n = length(type);
    if (n != 4 && n != 16) throw new NetlinkFormatException("attribute type " + type + ": address of " + n + " bytes");
    return IpPrefix.fromBytes(bytes(type));
  }

  InetAddress address(int type, InetAddress absent) {
    return has(type) ? address(type) : absent;
  }

  /** A 6-byte MAC, or null when absent or another size (e.g. a tunnel's 4-byte "address"). */
  MacAddress mac(int type) {
    return length(type) == 6 ? new MacAddress(bytes(type)) : null;
  }

  NlAttrs nested(int type) {
    int at = at(type, 0);
    return parse(buf, at, length[type]);
  }

  /** The nested attributes, or an empty set when absent. */
  NlAttrs nestedOrEmpty(int type) {
    return has(type) ? nested(type) : new NlAttrs(buf);
  }
}
