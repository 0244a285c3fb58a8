package dev.weft.bench.overlay;

import dev.weft.cni.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code bench/run-overlay-bench}: pod<->pod TCP throughput and latency on one node, across nodes (VXLAN) and the
 * raw underlay between two node namespaces, in one run on a fresh 2-node lab; the overlay/underlay ratios; no
 * fragmentation at full MTU. Table on stdout, progress on stderr, {@code overlay-<timestamp>.json} (every raw sample),
 * {@code .svg} and {@code .png} in {@code --out}. Exit code 0 when every check passed, 1 when a check failed, 2 on error.
 */
public final class OverlayBenchMain {
  private OverlayBenchMain() {}

  public static void main(String[] args) {
    int rc;
    try {
      rc = main(List.of(args));
    } finally {
      deleteSnapshot();
    }
    System.exit(rc);
  }

  private static int main(List<String> args) {
    if (!args.isEmpty() && (args.getFirst().equals("--help") || args.getFirst().equals("-h"))) {
      System.out.print(OverlayOptions.USAGE);
      return 0;
    }
    try {
      return run(OverlayOptions.parse(args));
    } catch (IllegalArgumentException e) {
      System.err.println("run-overlay-bench: " + e.getMessage());
      return 2;
    }
  }

  static int run(OverlayOptions opts) {
    String problem = preflight(opts);
    if (problem != null) {
      System.err.println("run-overlay-bench: " + problem);
      return 2;
    }
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String started = now.withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String stamp = now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    OverlayBench bench = new OverlayBench(opts, System.err);
    Thread hook = new Thread(() -> {
      bench.cleanUp();
      deleteSnapshot();
    }, "overlay-bench-cleanup");
    Runtime.getRuntime().addShutdownHook(hook); // Ctrl-C, SIGTERM
    long t0 = System.nanoTime();
    try {
      bench.results().machine.putAll(Machine.describe(opts));
      bench.run();
    } catch (RuntimeException e) {
      if (bench.cleanedUp()) System.err.println("run-overlay-bench: stopped (signal): the lab and the bench's servers are removed");
      else System.err.println("run-overlay-bench: failed: " + e.getMessage());
      bench.cleanUp();
      deleteSnapshot();
      return 2;
    } finally {
      bench.cleanUp();
    }
    try {
      return report(opts, bench.results(), started, stamp, t0, hook);
    } finally {
      deleteSnapshot();
    }
  }

  private static int report(OverlayOptions opts, OverlayResults res, String started, String stamp, long t0, Thread hook) {
    res.machine.put("uptimeEnd", dev.weft.bench.HostFacts.uptime());
    res.machine.put("durationSeconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0);
    String builtEnd = Machine.distBuilt(opts);
    if (!builtEnd.equals(res.machine.get("distBuilt"))) res.machine.put("distRebuiltDuringRun", builtEnd);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException ignored) {
      // already shutting down
    }
    String command = System.getenv().getOrDefault("WEFT_BENCH_CMDLINE", "bench/run-overlay-bench");
    String table = OverlayReport.text(res, opts, started);
    System.out.print(table);
    try {
      Files.createDirectories(opts.out());
      Path json = opts.out().resolve("overlay-" + stamp + ".json");
      Files.write(json, Json.write(OverlayReport.json(res, opts, started, command), true));
      Path svg = opts.out().resolve("overlay-" + stamp + ".svg");
      Files.writeString(svg, OverlaySvg.render(res, opts, started));
      System.out.println("wrote " + rel(json) + ", " + rel(svg));
      if (opts.png()) {
        Path png = opts.out().resolve("overlay-" + stamp + ".png");
        Cmd.Result r = Cmd.run(Duration.ofSeconds(60), "rsvg-convert", "-o", png.toString(), svg.toString());
        System.out.println(r.ok() ? "wrote " + rel(png) : "no PNG (rsvg-convert from Debian librsvg2-bin: " + r.both() + ")");
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("run-overlay-bench: cannot write results: " + e.getMessage());
      return 2;
    }
    if (res.machine.containsKey("distRebuiltDuringRun")) System.out.println("note: dist/ was rebuilt during the run (agent jar now " + builtEnd + ")");
    return res.allChecksPassed() ? 0 : 1;
  }

  /** The private copy of the bench classes {@code bench/run-overlay-bench} runs from (only a /tmp/weft-overlay-bench.* directory). */
  private static void deleteSnapshot() {
    String dir = System.getProperty("weft.bench.snapshot");
    if (dir == null || !dir.matches("/tmp/weft-overlay-bench\\.[A-Za-z0-9]+")) return;
    try (var s = Files.walk(Path.of(dir))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException | RuntimeException ignored) {
      // best effort: a leftover copy in /tmp is harmless
    }
  }

  private static String rel(Path p) {
    Path cwd = Path.of("").toAbsolutePath();
    return p.startsWith(cwd) ? cwd.relativize(p).toString() : p.toString();
  }

  private static String preflight(OverlayOptions opts) {
    if (!"root".equals(System.getProperty("user.name")) && !Path.of("/proc/self").toFile().canWrite())
      return "needs root (it creates network namespaces)";
    for (String bin : List.of("dist/bin/weft-cni", "dist/bin/weft-agent")) {
      Path p = opts.dist().resolve(bin.substring(5));
      if (!Files.isExecutable(p)) return "no " + p + ": run 'make build' first";
    }
    for (String tool : List.of("iperf3", "ping", "ip"))
      if (!Cmd.run(Duration.ofSeconds(10), "sh", "-c", "command -v " + tool).ok()) return tool + " is not installed ('make deps' installs it)";
    return null;
  }
}
