package dev.weft.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Where one invocation's time went, for the benchmark's breakdown. Off unless the environment sets
 * {@code WEFT_CNI_TRACE=<file>}; then one JSON line per invocation is appended to that file:
 * {@code {"command":"ADD","jvmStartMs":..,"parseMs":..,"ipamMs":..,"netlinkMs":..,"natMs":..,"totalMs":..}}
 * (DEL: the same fields; netlink = deleting the pod interface and the host veth).
 * {@code jvmStartMs} runs from the front-end's exec of the JVM ({@code -Dweft.t0.mono}, CLOCK_MONOTONIC ns;
 * or the launcher script's {@code -Dweft.t0}, epoch ns) to main().
 */
final class PhaseTrace {
  /** ATTACH: ADD's whole attach, reported as netlink less the IPAM and NAT that ran inside it. */
  enum Phase { PARSE, IPAM, NETLINK, NAT, ATTACH }

  // by ordinal, not an EnumMap: its first use reflects on values() (~0.4 ms in a fresh JVM, even untraced)
  private static final long[] NANOS = new long[Phase.values().length];
  private static boolean enabled;
  private static long mainStart;
  private static double jvmStartMs = -1;

  private PhaseTrace() {}

  /** Called first thing in main. */
  static void begin(String traceFile) {
    enabled = traceFile != null && !traceFile.isEmpty();
    if (!enabled) return;
    mainStart = System.nanoTime();
    // the native front-end passes CLOCK_MONOTONIC, System.nanoTime's clock on Linux (no java.time needed)
    String mono = System.getProperty("weft.t0.mono");
    String t0 = System.getProperty("weft.t0");
    if (mono != null && !mono.isEmpty()) {
      jvmStartMs = (mainStart - Long.parseLong(mono)) / 1e6;
    } else if (t0 != null && !t0.isEmpty()) { // the launcher script: epoch ns from date
      Instant now = Instant.now();
      long nowNs = now.getEpochSecond() * 1_000_000_000L + now.getNano();
      jvmStartMs = (nowNs - Long.parseLong(t0)) / 1e6;
    }
  }

  /** Adds the time since {@code startNanos} to a phase; cheap no-op when tracing is off. */
  static void add(Phase phase, long startNanos) {
    if (!enabled) return;
    NANOS[phase.ordinal()] += System.nanoTime() - startNanos;
  }

  /** Marks the end of start-up and parsing: everything from main() to the verb's entry. */
  static void parsed() {
    if (enabled) NANOS[Phase.PARSE.ordinal()] = System.nanoTime() - mainStart;
  }

  static long now() {
    return enabled ? System.nanoTime() : 0;
  }

  /** Appends the line; never fails the invocation. */
  static void end(String traceFile, String command) {
    if (!enabled) return;
    StringBuilder sb = new StringBuilder("{\"command\":\"").append(command).append('"');
    sb.append(",\"jvmStartMs\":").append(fmt(jvmStartMs));
    long attach = NANOS[Phase.ATTACH.ordinal()];
    if (attach != 0) NANOS[Phase.NETLINK.ordinal()] = attach - NANOS[Phase.IPAM.ordinal()] - NANOS[Phase.NAT.ordinal()];
    for (Phase p : Phase.values()) if (p != Phase.ATTACH) sb.append(",\"").append(p.name().toLowerCase()).append("Ms\":").append(fmt(NANOS[p.ordinal()] / 1e6));
    sb.append(",\"totalMs\":").append(fmt((System.nanoTime() - mainStart) / 1e6 + Math.max(jvmStartMs, 0))).append("}\n");
    try {
      Files.writeString(Path.of(traceFile), sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException | RuntimeException ignored) {
      // a trace is best effort
    }
  }

  /** {@code %.3f} without java.util.Formatter (~10 ms of class initialisation in a fresh JVM). */
  static String fmt(double ms) {
    long micros = Math.round(ms * 1000);
    String sign = micros < 0 ? "-" : "";
    micros = Math.abs(micros);
    String frac = Long.toString(micros % 1000);
    return sign + micros / 1000 + "." + "000".substring(frac.length()) + frac;
  }
}
