package dev.weft.bench.cni;

import java.nio.file.Path;
import java.util.List;

/** Command-line options of {@link CniBenchMain}. */
record BenchOptions(
    int cycles, int warmup, Path dist, Path reference, Path out, List<String> configs,
    Path weftBinary, String weftIpam, int settleMs, boolean floor, int traceEvery, boolean agent, List<String> args) {

  static final String USAGE = """
      usage: run-cni-bench [options]     (as root; runs everything inside throw-away namespaces)
        --cycles N        measured ADD+DEL cycles per plugin and config (default 200)
        --warmup N        warm-up cycles per plugin and config, discarded (default 5)
        --dist DIR        weft's dist/ (default dist/): dist/bin/weft-cni is benchmarked
        --reference DIR   reference plugins' directory (default /usr/lib/cni): bridge + host-local
        --out DIR         where the JSON, SVG and HTML go (default bench/results)
        --config C        plain | masq | both (default both)
        --settle-ms N     pause after each pod namespace is deleted, untimed (default 5)
        --no-floor        skip the empty-JVM floor and the spawn baseline
        --trace-every N   every Nth cycle also runs weft with WEFT_CNI_TRACE set, for the
                          breakdown (default 5; 0: no breakdown). Traced runs are reported
                          apart (tracing adds a timestamp to the JVM's command line and a
                          trace-file write; with the old launcher script, a `date` fork).
        --no-agent        skip the "weft via agent" side (weft-cni forwarding to the agent's CNI
                          fast path, started inside the bench's host namespace); it runs by
                          default when dist/ has the native weft-cni and the agent's jar
        --weft-binary F   benchmark F as the "weft" side instead of dist/bin/weft-cni (harness check:
                          point it at the reference bridge, with --weft-ipam host-local)
        --weft-ipam T     ipam.type of the weft side (default weft-ipam: in-process in weft-cni)
      """;

  /** The same options with another dist/ (the run's private snapshot). */
  BenchOptions withDist(Path d) {
    return new BenchOptions(cycles, warmup, d, reference, out, configs, weftBinary, weftIpam, settleMs, floor, traceEvery, agent, args);
  }

  static BenchOptions parse(String[] argv) {
    int cycles = 200, warmup = 5, settle = 5, traceEvery = 5;
    Path dist = Path.of("dist"), reference = Path.of("/usr/lib/cni"), out = Path.of("bench/results"), weftBinary = null;
    String config = "both", weftIpam = "weft-ipam";
    boolean floor = true, agent = true;
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      switch (a) {
        case "--cycles" -> cycles = positive(a, value(argv, ++i, a));
        case "--warmup" -> warmup = nonNegative(a, value(argv, ++i, a));
        case "--settle-ms" -> settle = nonNegative(a, value(argv, ++i, a));
        case "--dist" -> dist = Path.of(value(argv, ++i, a));
        case "--reference" -> reference = Path.of(value(argv, ++i, a));
        case "--out" -> out = Path.of(value(argv, ++i, a));
        case "--config" -> config = value(argv, ++i, a);
        case "--weft-binary" -> weftBinary = Path.of(value(argv, ++i, a));
        case "--weft-ipam" -> weftIpam = value(argv, ++i, a);
        case "--no-floor" -> floor = false;
        case "--no-agent" -> agent = false;
        case "--trace-every" -> traceEvery = nonNegative(a, value(argv, ++i, a));
        case "-h", "--help" -> throw new UsageException(null);
        default -> throw new UsageException("unknown option " + a);
      }
    }
    List<String> configs = switch (config) {
      case "plain" -> List.of("plain");
      case "masq" -> List.of("masq");
      case "both" -> List.of("plain", "masq");
      default -> throw new UsageException("--config must be plain, masq or both, not " + config);
    };
    return new BenchOptions(cycles, warmup, dist.toAbsolutePath().normalize(), reference.toAbsolutePath().normalize(),
        out.toAbsolutePath().normalize(), configs, weftBinary == null ? null : weftBinary.toAbsolutePath().normalize(),
        weftIpam, settle, floor, traceEvery, agent && weftBinary == null, List.of(argv));
  }

  private static String value(String[] argv, int i, String opt) {
    if (i >= argv.length) throw new UsageException(opt + " needs a value");
    return argv[i];
  }

  private static int positive(String opt, String v) {
    int n = nonNegative(opt, v);
    if (n == 0) throw new UsageException(opt + " must be at least 1");
    return n;
  }

  private static int nonNegative(String opt, String v) {
    try {
      int n = Integer.parseInt(v);
      if (n < 0) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(opt + " needs a non-negative number, not " + v);
    }
  }

  static final class UsageException extends RuntimeException {
    UsageException(String msg) {
      super(msg);
    }
  }
}
