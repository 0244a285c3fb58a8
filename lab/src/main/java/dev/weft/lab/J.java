package dev.weft.lab;

import dev.weft.cni.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** Small helpers over {@link Json}'s plain value trees, and atomic JSON files. */
final class J {
  private J() {}

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o instanceof List<?> l ? (List<Object>) l : List.of();
  }

  static String str(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v == null ? null : v.toString();
  }

  static long num(Map<String, Object> m, String key, long dflt) {
    return m.get(key) instanceof Number n ? n.longValue() : dflt;
  }

  static boolean bool(Map<String, Object> m, String key) {
    return Boolean.TRUE.equals(m.get(key));
  }

  static Map<String, Object> read(Path file) {
    try {
      return map(Json.parse(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
    } catch (Json.JsonException e) {
      throw new LabException(file + " is not valid JSON: " + e.getMessage());
    }
  }

  /** Writes pretty JSON through a temporary file and a rename: readers never see half a file. */
  static void writeAtomically(Path file, Object value) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-" + Thread.currentThread().threadId());
      Files.write(tmp, (new String(Json.write(value, true), StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file + ": " + e.getMessage(), e);
    }
  }
}
