package dev.weft.cni.protocol;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

/**
 * The start-up fast path of {@link Json#write} (compact): writes a value tree of maps, lists, ASCII
 * strings, {@code Integer}/{@code Long}, booleans and nulls — a CNI result — byte for byte as
 * jackson's generator does, without initialising it (~1.5 ms of a per-pod JVM). Anything else
 * (non-ASCII text, other number types, other objects) answers null and {@link Json} uses jackson.
 */
final class PlainJsonWriter {
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

  private PlainJsonWriter() {}

  /** The document's bytes, or null when it holds something this writer leaves to jackson. */
  static byte[] write(Object value) {
    PlainJsonWriter w = new PlainJsonWriter();
    return w.value(value, 0) ? w.out.toByteArray() : null;
  }

  private boolean value(Object v, int depth) {
    if (depth > 64) return false;
    if (v == null) {
      ascii("null");
    } else if (v instanceof Map<?, ?> m) {
      out.write('{');
      boolean first = true;
      for (var e : m.entrySet()) {
        if (!first) out.write(',');
        first = false;
        if (!string(String.valueOf(e.getKey()))) return false;
        out.write(':');
        if (!value(e.getValue(), depth + 1)) return false;
      }
      out.write('}');
    } else if (v instanceof List<?> l) {
      out.write('[');
      boolean first = true;
      for (Object e : l) {
        if (!first) out.write(',');
        first = false;
        if (!value(e, depth + 1)) return false;
      }
      out.write(']');
    } else if (v instanceof String s) {
      return string(s);
    } else if (v instanceof Boolean b) {
      ascii(b ? "true" : "false");
    } else if (v instanceof Integer || v instanceof Long) {
      ascii(v.toString());
    } else {
      return false;
    }
    return true;
  }

  /** A quoted string with jackson's escapes: \" \\ \b \t \n \f \r, other controls as a &#92;u00XX escape. */
  private boolean string(String s) {
    out.write('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) return false; // jackson's UTF-8 and surrogate handling
      if (c == '"' || c == '\\') {
        out.write('\\');
        out.write(c);
      } else if (c < 0x20) {
        out.write('\\');
        switch (c) {
          case '\b' -> out.write('b');
          case '\t' -> out.write('t');
          case '\n' -> out.write('n');
          case '\f' -> out.write('f');
          case '\r' -> out.write('r');
          default -> {
            out.write('u');
            out.write('0');
            out.write('0');
            out.write(HEX[c >> 4]);
            out.write(HEX[c & 0xf]);
          }
        }
      } else {
        out.write(c);
      }
    }
    out.write('"');
    return true;
  }

  private void ascii(String s) {
    for (int i = 0; i < s.length(); i++) out.write(s.charAt(i));
  }
}
