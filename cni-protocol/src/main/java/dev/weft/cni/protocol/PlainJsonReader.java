package dev.weft.cni.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start-up fast path of {@link Json#parse}: a strict reader for the plain JSON that network
 * configs are made of (ASCII, integers, shallow nesting). A per-pod JVM pays ~13 ms for jackson's
 * first parse, nearly all of it {@code BigDecimal}'s class initialisation, which jackson's parser
 * base class triggers; this reader needs neither. It accepts only documents jackson reads the same
 * way (same maps, lists, strings, {@code Long}s, booleans and nulls) and answers {@link #NOT_HANDLED}
 * for everything else — non-ASCII bytes, fractions and exponents, numbers beyond 18 digits, deep
 * nesting, unusual escapes, and every malformed document — which {@link Json} then hands to jackson,
 * so results and error messages are exactly jackson's.
 */
final class PlainJsonReader {
  /** The document is not one this reader handles; ask jackson. */
  static final Object NOT_HANDLED = new Object();

  private static final int MAX_DEPTH = 32; // jackson is configured with 64: stay well inside it
  private static final int MAX_STRING = 1 << 16; // jackson: 1 MiB values, 50 000-char names
  private static final int MAX_DIGITS = 18; // always a long; jackson's type rules only matter beyond

  private static final class Bail extends RuntimeException {
    Bail() {
      super(null, null, false, false);
    }
  }

  private static final Bail BAIL = new Bail();

  private final byte[] b;
  private int i;

  private PlainJsonReader(byte[] b) {
    this.b = b;
  }

  /** The document as {@link Json#parse} would return it, or {@link #NOT_HANDLED}. */
  static Object read(byte[] bytes) {
    for (byte x : bytes) if (x < 0) return NOT_HANDLED; // non-ASCII: jackson checks the UTF-8
    PlainJsonReader r = new PlainJsonReader(bytes);
    try {
      r.skipWhitespace();
      if (r.i == bytes.length) return NOT_HANDLED;
      Object v = r.value(0);
      r.skipWhitespace();
      return r.i == bytes.length ? v : NOT_HANDLED;
    } catch (Bail | IndexOutOfBoundsException e) {
      return NOT_HANDLED;
    }
  }

  private Object value(int depth) {
    byte c = b[i];
    switch (c) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true", Boolean.TRUE);
      case 'f': return literal("false", Boolean.FALSE);
      case 'n': return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw BAIL;
    }
  }

  private Map<String, Object> object(int depth) {
    if (depth > MAX_DEPTH) throw BAIL;
    i++; // {
    Map<String, Object> m = new LinkedHashMap<>();
    skipWhitespace();
    if (b[i] == '}') {
      i++;
      return m;
    }
    while (true) {
      if (b[i] != '"') throw BAIL;
      String key = string();
      skipWhitespace();
      if (b[i] != ':') throw BAIL;
      i++;
      skipWhitespace();
      m.put(key, value(depth));
      skipWhitespace();
      byte c = b[i++];
      if (c == '}') return m;
      if (c != ',') throw BAIL;
      skipWhitespace();
    }
  }

  private List<Object> array(int depth) {
    if (depth > MAX_DEPTH) throw BAIL;
    i++; // [
    List<Object> l = new ArrayList<>();
    skipWhitespace();
    if (b[i] == ']') {
      i++;
      return l;
    }
    while (true) {
      l.add(value(depth));
      skipWhitespace();
      byte c = b[i++];
      if (c == ']') return l;
      if (c != ',') throw BAIL;
      skipWhitespace();
    }
  }

  private String string() {
    int start = ++i; // after the opening quote
    StringBuilder sb = null;
    while (true) {
      byte c = b[i];
      if (c == '"') break;
      if (c < 0x20) throw BAIL; // an unescaped control character: jackson's error
      if (c == '\\') {
        if (sb == null) sb = new StringBuilder(i - start + 16);
        sb.append(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
        i++;
        sb.append(escape());
        start = i;
        continue;
      }
      i++;
      if (i - start > MAX_STRING) throw BAIL;
    }
    String tail = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
    i++; // closing quote
    if (sb == null) return tail;
    sb.append(tail);
    if (sb.length() > MAX_STRING) throw BAIL;
    return sb.toString();
  }

  /** After the backslash; leaves {@code i} after the escape. */
  private char escape() {
    byte c = b[i++];
    switch (c) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        int v = 0;
        for (int k = 0; k < 4; k++) {
          int d = Character.digit(b[i++], 16);
          if (d < 0) throw BAIL;
          v = v << 4 | d;
        }
        if (Character.isSurrogate((char) v)) throw BAIL; // pairing rules: leave them to jackson
        return (char) v;
      }
      default: throw BAIL;
    }
  }

  private Object literal(String word, Object value) {
    for (int k = 0; k < word.length(); k++) if (b[i++] != word.charAt(k)) throw BAIL;
    requireDelimiter();
    return value;
  }

  /** Integers only: {@code -?(0|[1-9][0-9]*)}, at most 18 digits, as a Long (what jackson gives). */
  private Long number() {
    int start = i;
    if (b[i] == '-') i++;
    int digits = i;
    if (b[i] == '0') {
      i++;
    } else {
      if (b[i] < '1' || b[i] > '9') throw BAIL;
      while (i < b.length && b[i] >= '0' && b[i] <= '9') i++;
    }
    if (i - digits > MAX_DIGITS) throw BAIL;
    requireDelimiter(); // also turns away fractions, exponents and leading zeros
    return Long.parseLong(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
  }

  /** A scalar must be followed by the end, whitespace, or the container's punctuation. */
  private void requireDelimiter() {
    if (i == b.length) return;
    byte c = b[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ']' && c != '}') throw BAIL;
  }

  private void skipWhitespace() {
    while (i < b.length) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      i++;
    }
  }
}
