package dev.weft.bench.services;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** A small JSON writer for what the bench records: maps, collections, records, strings, numbers, booleans. */
final class Json {
  private Json() {}

  static String write(Object o) {
    StringBuilder b = new StringBuilder();
    write(b, o, 0);
    return b.append('\n').toString();
  }

  private static void write(StringBuilder b, Object o, int depth) {
    switch (o) {
      case null -> b.append("null");
      case String s -> str(b, s);
      case Boolean v -> b.append(v);
      case Double d -> b.append(d.isNaN() || d.isInfinite() ? "null" : num(d));
      case Float f -> write(b, f.doubleValue(), depth);
      case Number n -> b.append(n);
      case Map<?, ?> m -> {
        b.append('{');
        boolean first = true;
        for (var e : m.entrySet()) {
          if (!first) b.append(',');
          first = false;
          nl(b, depth + 1);
          str(b, String.valueOf(e.getKey()));
          b.append(": ");
          write(b, e.getValue(), depth + 1);
        }
        if (!m.isEmpty()) nl(b, depth);
        b.append('}');
      }
      case Collection<?> c -> {
        boolean flat = c.stream().allMatch(x -> x instanceof Number);
        b.append('[');
        boolean first = true;
        for (Object x : c) {
          if (!first) b.append(flat ? "," : ",");
          first = false;
          if (!flat) nl(b, depth + 1);
          write(b, x, depth + 1);
        }
        if (!flat && !c.isEmpty()) nl(b, depth);
        b.append(']');
      }
      case double[] a -> {
        b.append('[');
        for (int i = 0; i < a.length; i++) b.append(i > 0 ? "," : "").append(num(a[i]));
        b.append(']');
      }
      case Record r -> {
        b.append('{');
        RecordComponent[] cs = r.getClass().getRecordComponents();
        for (int i = 0; i < cs.length; i++) {
          if (i > 0) b.append(", ");
          str(b, cs[i].getName());
          b.append(": ");
          try {
            var acc = cs[i].getAccessor();
            acc.setAccessible(true);
            write(b, acc.invoke(r), depth + 1);
          } catch (ReflectiveOperationException e) {
            b.append("null");
          }
        }
        b.append('}');
      }
      default -> str(b, o.toString());
    }
  }

  private static String num(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
    return String.format(Locale.ROOT, "%.3f", d).replaceAll("0+$", "");
  }

  private static void nl(StringBuilder b, int depth) {
    b.append('\n').append("  ".repeat(depth));
  }

  private static void str(StringBuilder b, String s) {
    b.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
        }
      }
    }
    b.append('"');
  }
}
