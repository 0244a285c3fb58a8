package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON as kubectl prints it ({@code -o json}: Go's {@code json.MarshalIndent(obj, "", "    ")} of an unstructured
 * object): keys sorted, four-space indent, {@code "key": value}, empty arrays and objects as {@code []} and
 * {@code {}}, and Go's escaping (HTML characters and U+2028/U+2029 as {@code \\uXXXX}).
 */
final class GoJson {
  private GoJson() {}

  static String write(JsonNode n) {
    StringBuilder s = new StringBuilder();
    write(n, s, "");
    return s.toString();
  }

  private static void write(JsonNode n, StringBuilder s, String indent) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      s.append("null");
    } else if (n.isObject()) {
      if (n.isEmpty()) {
        s.append("{}");
        return;
      }
      List<String> keys = new ArrayList<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) keys.add(it.next().getKey());
      keys.sort(null);
      s.append("{\n");
      String in = indent + "    ";
      for (int i = 0; i < keys.size(); i++) {
        s.append(in);
        string(keys.get(i), s);
        s.append(": ");
        write(n.get(keys.get(i)), s, in);
        s.append(i < keys.size() - 1 ? ",\n" : "\n");
      }
      s.append(indent).append('}');
    } else if (n.isArray()) {
      if (n.isEmpty()) {
        s.append("[]");
        return;
      }
      s.append("[\n");
      String in = indent + "    ";
      for (int i = 0; i < n.size(); i++) {
        s.append(in);
        write(n.get(i), s, in);
        s.append(i < n.size() - 1 ? ",\n" : "\n");
      }
      s.append(indent).append(']');
    } else if (n.isTextual()) {
      string(n.asText(), s);
    } else {
      s.append(n.toString()); // numbers, booleans
    }
  }

  private static void string(String v, StringBuilder s) {
    s.append('"');
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        case '\t' -> s.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> s.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) s.append(String.format("\\u%04x", (int) c));
          else s.append(c);
        }
      }
    }
    s.append('"');
  }
}
