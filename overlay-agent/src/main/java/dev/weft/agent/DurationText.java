package dev.weft.agent;

import java.time.Duration;

/** "15s", "500ms", "2m", "1h" → Duration (the forms Kubernetes flags use). */
final class DurationText {
  private DurationText() {}

  static Duration parse(String s) {
    String t = s.trim();
    try {
      if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new IllegalArgumentException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid duration \"" + s + "\" (use e.g. 500ms, 15s, 2m)");
    }
  }
}
