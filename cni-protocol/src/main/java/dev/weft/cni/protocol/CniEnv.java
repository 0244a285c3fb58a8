package dev.weft.cni.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CNI_* environment of one plugin call, validated per command as the spec requires:
 *
 * <ul>
 *   <li>ADD, CHECK: CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME
 *   <li>DEL: CNI_CONTAINERID, CNI_IFNAME (CNI_NETNS optional: runtimes call DEL after the netns is gone)
 *   <li>GC: CNI_PATH
 *   <li>STATUS, VERSION: nothing beyond CNI_COMMAND
 * </ul>
 *
 * CNI_PATH is optional for ADD/CHECK/DEL (the spec says so; only the Go skel insists). Missing or
 * malformed variables are code 4 naming the variable. Absent values are null, never "".
 */
public record CniEnv(String command, String containerId, String netns, String ifname, Map<String, String> args, List<Path> path) {
  public static final List<String> COMMANDS = List.of("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION");
  private static final int MAX_IFNAME = 15;

  public CniEnv {
    args = args == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(args));
    path = path == null ? List.of() : List.copyOf(path);
  }

  public static CniEnv from(Map<String, String> env) throws CniError {
    String cmd = value(env, "CNI_COMMAND");
    if (cmd == null) throw missing("CNI_COMMAND");
    if (!COMMANDS.contains(cmd))
      throw new CniError(CniError.INVALID_ENV, "unknown CNI_COMMAND: " + JsonFields.shorten(cmd));
    boolean attach = cmd.equals("ADD") || cmd.equals("CHECK") || cmd.equals("DEL");
    List<String> missing = new ArrayList<>();
    String cid = value(env, "CNI_CONTAINERID");
    String netns = value(env, "CNI_NETNS");
    String ifname = value(env, "CNI_IFNAME");
    String path = value(env, "CNI_PATH");
    if (attach && cid == null) missing.add("CNI_CONTAINERID");
    if ((cmd.equals("ADD") || cmd.equals("CHECK")) && netns == null) missing.add("CNI_NETNS");
    if (attach && ifname == null) missing.add("CNI_IFNAME");
    if (cmd.equals("GC") && path == null) missing.add("CNI_PATH");
    if (!missing.isEmpty()) throw missing(String.join(",", missing));
    if (attach) {
      validateContainerId(cid);
      validateIfname(ifname);
    }
    return new CniEnv(cmd, cid, netns, ifname, parseArgs(value(env, "CNI_ARGS")), parsePath(path));
  }

  private static String value(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isEmpty() ? null : v;
  }

  private static CniError missing(String vars) {
    return new CniError(CniError.INVALID_ENV, "required env variables [" + vars + "] missing");
  }

  /** Container IDs: a letter or digit, then letters, digits, '_', '.', '-' (libcni's rule). */
  public static void validateContainerId(String id) throws CniError {
    boolean ok = id != null && !id.isEmpty() && isAlnum(id.charAt(0));
    for (int i = 1; ok && i < id.length(); i++) {
      char c = id.charAt(i);
      ok = isAlnum(c) || c == '_' || c == '.' || c == '-';
    }
    if (!ok) throw new CniError(CniError.INVALID_ENV, "invalid characters in CNI_CONTAINERID", JsonFields.shorten(String.valueOf(id)));
  }

  private static boolean isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** Interface names: 1..15 bytes, not "." or "..", no '/', ':' or whitespace (libcni's rule). */
  public static void validateIfname(String name) throws CniError {
    if (name == null || name.isEmpty()) throw new CniError(CniError.INVALID_ENV, "CNI_IFNAME: interface name is empty");
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_IFNAME)
      throw new CniError(CniError.INVALID_ENV, "CNI_IFNAME: interface name is too long",
          "\"" + JsonFields.shorten(name) + "\" has more than " + MAX_IFNAME + " characters");
    if (name.equals(".") || name.equals(".."))
      throw new CniError(CniError.INVALID_ENV, "CNI_IFNAME: interface name is . or ..");
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == ':' || Character.isWhitespace(c) || Character.isSpaceChar(c))
        throw new CniError(CniError.INVALID_ENV, "CNI_IFNAME: interface name contains / or : or whitespace characters",
            "\"" + name + "\"");
    }
  }

  /** CNI_ARGS "K=V;K=V"; empty segments are skipped, a segment without '=' is code 4. */
  public static Map<String, String> parseArgs(String s) throws CniError {
    Map<String, String> m = new LinkedHashMap<>();
    if (s == null) return m;
    for (String pair : s.split(";", -1)) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      if (eq <= 0) throw new CniError(CniError.INVALID_ENV, "CNI_ARGS: invalid pair \"" + JsonFields.shorten(pair) + "\"");
      m.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return m;
  }

  private static List<Path> parsePath(String s) throws CniError {
    List<Path> r = new ArrayList<>();
    if (s == null) return r;
    for (String p : s.split(":", -1)) {
      if (p.isEmpty()) continue;
      try {
        r.add(Path.of(p));
      } catch (RuntimeException e) {
        throw new CniError(CniError.INVALID_ENV, "CNI_PATH: invalid directory \"" + JsonFields.shorten(p) + "\"");
      }
    }
    return r;
  }
}
