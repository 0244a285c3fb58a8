package dev.weft.bench.overlay;

import java.nio.file.Path;
import java.util.List;

/** Command-line options of {@code bench/run-overlay-bench}. */
record OverlayOptions(int rounds, int seconds, int parallel, int rrSamples, int rrWarmup, int rrSize, int pingCount, Path dist, Path out,
    String labName, boolean png) {

  static final String USAGE = """
      usage: bench/run-overlay-bench [options]
        Pod<->pod TCP throughput and latency on one node and across nodes (VXLAN), and the raw underlay between
        two node namespaces, in one run on a 2-node weft lab; the three paths are interleaved in every round.
        Checks that nothing is fragmented at full MTU. Needs root, iperf3, ping, 'make build' (dist/, bench classes).
        --rounds N        rounds of a b c (default 3, at least 1)
        --seconds S       iperf3 -t per run (default 10; -O 1 is added)
        --parallel P      streams of the multi-stream run, iperf3 -P (default 4)
        --rr-samples N    timed TCP request/response round trips per path and round (default 5000)
        --rr-warmup N     untimed round trips first (default 500)
        --rr-size B       request and response size in bytes (default 1, as netperf TCP_RR)
        --ping-count N    ICMP echo per path and round, ping -i 0.01 (default 200; 0 = no ping)
        --dist DIR        the weft distribution (default dist)
        --out DIR         where overlay-<timestamp>.{json,svg,png} go (default bench/results)
        --lab NAME        lab name (default bench<pid in base 36>; must not exist)
        --no-png          do not render the SVG to PNG with rsvg-convert
      """;

  static OverlayOptions parse(List<String> args) {
    int rounds = 3, seconds = 10, parallel = 4, rrSamples = 5000, rrWarmup = 500, rrSize = 1, pingCount = 200;
    Path dist = Path.of("dist"), out = Path.of("bench/results");
    String lab = "bench" + Long.toString(ProcessHandle.current().pid(), 36);
    boolean png = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--rounds" -> rounds = positive(a, value(args, ++i, a));
        case "--seconds" -> seconds = positive(a, value(args, ++i, a));
        case "--parallel" -> parallel = positive(a, value(args, ++i, a));
        case "--rr-samples" -> rrSamples = positive(a, value(args, ++i, a));
        case "--rr-warmup" -> rrWarmup = nonNegative(a, value(args, ++i, a));
        case "--rr-size" -> rrSize = positive(a, value(args, ++i, a));
        case "--ping-count" -> pingCount = nonNegative(a, value(args, ++i, a));
        case "--dist" -> dist = Path.of(value(args, ++i, a));
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--lab" -> lab = value(args, ++i, a);
        case "--no-png" -> png = false;
        default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
      }
    }
    if (!lab.matches("[a-z][a-z0-9]{0,15}")) throw new IllegalArgumentException("--lab " + lab + ": 1-16 lowercase letters and digits, starting with a letter");
    if (parallel < 2) throw new IllegalArgumentException("--parallel must be at least 2 (the single-stream run is always made)");
    return new OverlayOptions(rounds, seconds, parallel, rrSamples, rrWarmup, rrSize, pingCount, dist.toAbsolutePath().normalize(),
        out.toAbsolutePath().normalize(), lab, png);
  }

  private static String value(List<String> args, int i, String opt) {
    if (i >= args.size()) throw new IllegalArgumentException(opt + " needs a value\n" + USAGE);
    return args.get(i);
  }

  private static int positive(String opt, String v) {
    int n = integer(opt, v);
    if (n < 1) throw new IllegalArgumentException(opt + " must be at least 1: " + v);
    return n;
  }

  private static int nonNegative(String opt, String v) {
    int n = integer(opt, v);
    if (n < 0) throw new IllegalArgumentException(opt + " must not be negative: " + v);
    return n;
  }

  private static int integer(String opt, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(opt + " expects a number: " + v);
    }
  }
}
