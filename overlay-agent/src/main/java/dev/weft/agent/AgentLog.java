package dev.weft.agent;

import java.time.Instant;

/** One line per event on stderr (the lab and systemd capture it), timestamped. */
final class AgentLog {
  private AgentLog() {}

  static void info(String msg) {
    System.err.println(Instant.now() + " INFO  " + msg);
  }

  static void warn(String msg) {
    System.err.println(Instant.now() + " WARN  " + msg);
  }
}
