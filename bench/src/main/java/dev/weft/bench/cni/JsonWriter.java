package dev.weft.bench.cni;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Just enough JSON output for the results file: maps, lists, strings, numbers, booleans, raw JSON. */
final class JsonWriter {
  private JsonWriter() {}

  /** Text that is already JSON (a plugin's config or result) and goes in as it is. */
  record Raw(String json) {}

  static String write(Object v) {
    StringBuilder sb = new StringBuilder();
    write(sb, v, 0);
    return sb.append('\n').toString();
  }

  private static void write(StringBuilder sb, Object v, int indent) {
    switch (v) {
      case null -> sb.append("null");
      case Raw r -> sb.append(r.json().strip());
      case String s -> string(sb, s);
      case Boolean b -> sb.append(b);
      case Double d -> sb.append(d.isNaN() || d.isInfinite() ? "null" : trim(d));
      case Float f -> write(sb, f.doubleValue(), indent);
      case Number n -> sb.append(n);
      case long[] a -> {
        sb.append('[');
        for (int i = 0; i < a.length; i++) sb.append(i == 0 ? "" : ",").append(a[i]);
        sb.append(']');
      }
      case Map<?, ?> m -> {
        if (m.isEmpty()) {
          sb.append("{}");
          return;
        }
        sb.append("{\n");
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        while (it.hasNext()) {
          var e = it.next();
          pad(sb, indent + 1);
          string(sb, String.valueOf(e.getKey()));
          sb.append(": ");
          write(sb, e.getValue(), indent + 1);
          sb.append(it.hasNext() ? ",\n" : "\n");
        }
        pad(sb, indent);
        sb.append('}');
      }
      case List<?> l -> {
        boolean simple = l.stream().allMatch(x -> x == null || x instanceof Number || x instanceof String || x instanceof Boolean);
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
          if (i > 0) sb.append(',');
          if (!simple) {
            sb.append('\n');
            pad(sb, indent + 1);
          }
          write(sb, l.get(i), indent + 1);
        }
        if (!simple && !l.isEmpty()) {
          sb.append('\n');
          pad(sb, indent);
        }
        sb.append(']');
      }
      default -> string(sb, v.toString());
    }
  }

  private static String trim(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return String.valueOf((long) d);
    return String.format(java.util.Locale.ROOT, "%.4f", d).replaceAll("0+$", "");
  }

  private static void pad(StringBuilder sb, int n) {
    sb.append("  ".repeat(n));
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }
}
