package dev.weft.cni.protocol;

import dev.weft.kernel.IpPrefix;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Typed reads from a parsed JSON object with precise errors: every wrong type or bad value is a
 * {@link CniError} (code 7 unless told otherwise) naming the field by its path, e.g. {@code field
 * ipam.ranges[0][1].subnet: expected a string, got number}.
 */
public final class JsonFields {
  private final int code;

  private static final JsonFields CONFIG = new JsonFields(CniError.INVALID_CONFIG);

  private JsonFields(int code) {
    this.code = code;
  }

  /** Readers whose errors carry code 7 (invalid network config). */
  public static JsonFields config() {
    return CONFIG;
  }

  public CniError error(String path, String problem) {
    return new CniError(code, "field " + path + ": " + problem);
  }

  public static String typeName(Object v) {
    if (v == null) return "null";
    if (v instanceof String) return "string";
    if (v instanceof Boolean) return "boolean";
    if (v instanceof Number) return "number";
    if (v instanceof Map<?, ?>) return "object";
    if (v instanceof List<?>) return "array";
    return v.getClass().getSimpleName();
  }

  private CniError wrongType(String path, String expected, Object got) {
    return error(path, "expected " + expected + ", got " + typeName(got));
  }

  private static String join(String path, String key) {
    return path == null || path.isEmpty() ? key : path + "." + key;
  }

  /** A string field; dflt when absent or null. */
  public String string(Map<String, Object> m, String path, String key, String dflt) throws CniError {
    Object v = m.get(key);
    if (v == null) return dflt;
    if (v instanceof String s) return s;
    throw wrongType(join(path, key), "a string", v);
  }

  public String requireString(Map<String, Object> m, String path, String key) throws CniError {
    String s = string(m, path, key, null);
    if (s == null || s.isEmpty()) throw error(join(path, key), "missing");
    return s;
  }

  public Boolean bool(Map<String, Object> m, String path, String key, Boolean dflt) throws CniError {
    Object v = m.get(key);
    if (v == null) return dflt;
    if (v instanceof Boolean b) return b;
    throw wrongType(join(path, key), "a boolean", v);
  }

  /** An integer field within int range; decimals and out-of-range numbers are errors. */
  public Integer integer(Map<String, Object> m, String path, String key, Integer dflt) throws CniError {
    Object v = m.get(key);
    if (v == null) return dflt;
    String p = join(path, key);
    if (v instanceof Long l) {
      if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw error(p, "number " + l + " out of range");
      return l.intValue();
    }
    if (v instanceof Integer i) return i;
    if (v instanceof BigInteger) throw error(p, "number out of range");
    if (v instanceof BigDecimal d) throw error(p, "expected an integer, got " + shorten(d.toPlainString()));
    throw wrongType(p, "a number", v);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> object(Map<String, Object> m, String path, String key) throws CniError {
    Object v = m.get(key);
    if (v == null) return null;
    if (v instanceof Map<?, ?> o) return (Map<String, Object>) o;
    throw wrongType(join(path, key), "an object", v);
  }

  public List<Object> list(Map<String, Object> m, String path, String key) throws CniError {
    Object v = m.get(key);
    if (v == null) return null;
    if (v instanceof List<?> l) return new ArrayList<>(l);
    throw wrongType(join(path, key), "an array", v);
  }

  /** A list of strings; null when absent. */
  public List<String> strings(Map<String, Object> m, String path, String key) throws CniError {
    List<Object> l = list(m, path, key);
    if (l == null) return null;
    List<String> r = new ArrayList<>(l.size());
    for (int i = 0; i < l.size(); i++) {
      if (!(l.get(i) instanceof String s)) throw wrongType(join(path, key) + "[" + i + "]", "a string", l.get(i));
      r.add(s);
    }
    return r;
  }

  /** Casts an element already known to be there to an object. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> asObject(Object v, String path) throws CniError {
    if (v instanceof Map<?, ?> o) return (Map<String, Object>) o;
    throw wrongType(path, "an object", v);
  }

  public List<Object> asList(Object v, String path) throws CniError {
    if (v instanceof List<?> l) return new ArrayList<>(l);
    throw wrongType(path, "an array", v);
  }

  /** An IP address literal field (never resolved); null when absent. */
  public InetAddress address(Map<String, Object> m, String path, String key) throws CniError {
    String s = string(m, path, key, null);
    if (s == null || s.isEmpty()) return null;
    return parseAddress(s, join(path, key));
  }

  public InetAddress parseAddress(String s, String path) throws CniError {
    try {
      return IpPrefix.parseAddress(s);
    } catch (RuntimeException e) {
      throw error(path, "invalid IP address \"" + shorten(s) + "\"");
    }
  }

  /** A CIDR field ("10.1.2.3/24", the address keeps host bits); null when absent. */
  public IpPrefix cidr(Map<String, Object> m, String path, String key) throws CniError {
    String s = string(m, path, key, null);
    if (s == null || s.isEmpty()) return null;
    return parseCidr(s, join(path, key));
  }

  /** Strict CIDR: address, '/', 1-3 digits within the family's range. */
  public IpPrefix parseCidr(String s, String path) throws CniError {
    int slash = s.indexOf('/');
    String len = slash < 0 ? "" : s.substring(slash + 1);
    boolean digits = !len.isEmpty() && len.length() <= 3;
    for (int i = 0; digits && i < len.length(); i++) digits = len.charAt(i) >= '0' && len.charAt(i) <= '9';
    if (!digits) throw error(path, "invalid CIDR \"" + shorten(s) + "\"");
    try {
      return IpPrefix.parse(s);
    } catch (RuntimeException e) {
      throw error(path, "invalid CIDR \"" + shorten(s) + "\"");
    }
  }

  /** Long strings are cut in messages so a hostile config cannot make a huge error. */
  public static String shorten(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
