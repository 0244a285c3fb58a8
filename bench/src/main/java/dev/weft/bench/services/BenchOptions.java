package dev.weft.bench.services;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line options of {@code bench/run-services-bench}.
 *
 * @param sizes service counts (each service has 10 endpoints)
 * @param backends "nftables" and/or "iptables"
 * @param fullReps full-sync samples per backend and size (each in a fresh namespace)
 * @param updateCycles one-service update cycles per backend and size (a cycle = change one service,
 *     then change it back: two timed syncs)
 * @param slowUpdateCycles the cycles for iptables at sizes ≥ 10 000 (each sync takes seconds there)
 * @param slowFullReps the full-sync samples for iptables at sizes ≥ 10 000
 * @param connects new connections per topology and target (ClusterIP, direct to a pod)
 * @param pings steady request/response round trips per topology
 * @param rounds latency rounds (the topologies take turns in each), plus one warm-up round
 * @param syncTimeoutSeconds a sync taking longer is stopped and recorded as censored (that backend and size then stop)
 */
record BenchOptions(List<Integer> sizes, List<String> backends, int fullReps, int updateCycles, int slowUpdateCycles,
    int slowFullReps, int connects, int pings, int rounds, boolean latency, Path out, long seed, int syncTimeoutSeconds) {

  static final String USAGE = """
      usage: bench/run-services-bench [options]
        --sizes 1,1000,10000     service counts (10 endpoints each)
        --backends nftables,iptables
        --full-reps N            full-sync samples per backend and size, fresh namespace each (default 3)
        --update-cycles N        one-service update cycles (2 syncs each) per backend and size (default 20)
        --slow-update-cycles N   the same for iptables at >= 10000 services (default 5)
        --slow-full-reps N       full-sync samples for iptables at >= 10000 services (default 1)
        --connects N             new TCP connections per topology, to the ClusterIP and to a pod directly (default 1000)
        --pings N                1-byte round trips on an established connection per topology (default 2000)
        --rounds N               latency rounds the topologies take turns in (default 50; plus a warm-up round)
        --no-latency             sync times only
        --out DIR                where the JSON and SVG go (default bench/results)
        --seed N                 order of the topologies within latency rounds
        --sync-timeout S         stop a sync after S seconds, record it as "> S s" (default 120; iptables at 10 000 needs far more)
      """;

  static BenchOptions parse(String[] args) {
    List<Integer> sizes = List.of(1, 1000, 10000);
    List<String> backends = List.of("nftables", "iptables");
    int fullReps = 3, updateCycles = 20, slowUpdateCycles = 5, slowFullReps = 1, connects = 1000, pings = 2000, rounds = 50;
    boolean latency = true;
    Path out = Path.of("bench/results");
    long seed = 42;
    int syncTimeout = 120;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--sizes" -> {
          List<Integer> l = new ArrayList<>();
          for (String s : value(args, ++i, a).split(",")) l.add(Integer.parseInt(s.strip()));
          sizes = List.copyOf(l);
        }
        case "--backends" -> {
          List<String> l = new ArrayList<>();
          for (String s : value(args, ++i, a).split(",")) {
            String b = switch (s.strip()) {
              case "nft", "nftables" -> "nftables";
              case "ipt", "iptables" -> "iptables";
              default -> throw new IllegalArgumentException("unknown backend " + s);
            };
            l.add(b);
          }
          backends = List.copyOf(l);
        }
        case "--full-reps" -> fullReps = positive(args, ++i, a);
        case "--update-cycles" -> updateCycles = positive(args, ++i, a);
        case "--slow-update-cycles" -> slowUpdateCycles = positive(args, ++i, a);
        case "--slow-full-reps" -> slowFullReps = positive(args, ++i, a);
        case "--connects" -> connects = positive(args, ++i, a);
        case "--pings" -> pings = positive(args, ++i, a);
        case "--rounds" -> rounds = positive(args, ++i, a);
        case "--no-latency" -> latency = false;
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
        case "--sync-timeout" -> syncTimeout = positive(args, ++i, a);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return new BenchOptions(sizes, backends, fullReps, updateCycles, slowUpdateCycles, slowFullReps, connects, pings, rounds, latency, out, seed, syncTimeout);
  }

  /** Whether iptables at this size gets the reduced repetitions. */
  static boolean slow(String backend, int size) {
    return backend.equals("iptables") && size >= 10_000;
  }

  int fullRepsFor(String backend, int size) {
    return slow(backend, size) ? Math.min(fullReps, slowFullReps) : fullReps;
  }

  int updateCyclesFor(String backend, int size) {
    return slow(backend, size) ? Math.min(updateCycles, slowUpdateCycles) : updateCycles;
  }

  private static String value(String[] args, int i, String opt) {
    if (i >= args.length) throw new IllegalArgumentException(opt + " needs a value");
    return args[i];
  }

  private static int positive(String[] args, int i, String opt) {
    int v = Integer.parseInt(value(args, i, opt));
    if (v < 1) throw new IllegalArgumentException(opt + " must be ≥ 1");
    return v;
  }
}
