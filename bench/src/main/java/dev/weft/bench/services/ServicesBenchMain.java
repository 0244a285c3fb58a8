package dev.weft.bench.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench/run-services-bench}: sync times and ClusterIP latency of both service-proxy backends
 * at 1, 1 000 and 10 000 services × 10 endpoints (issue 4, section 3). Needs root; everything lives
 * in namespaces {@code wftbenchs<pid>-*}, deleted at the end, on failure and on Ctrl-C.
 */
public final class ServicesBenchMain {
  private ServicesBenchMain() {}

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(BenchOptions.USAGE);
      return;
    }
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("run-services-bench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      System.err.println("run-services-bench: needs root (it creates network namespaces)");
      System.exit(1);
    }
    Path repo = Path.of(System.getProperty("weft.repo", ".")).toAbsolutePath().normalize();
    List<String> stale = Namespaces.deleteStale();
    if (!stale.isEmpty()) System.out.println("removed " + stale.size() + " namespaces left by an earlier killed run");
    Map<String, String> machine = Machine.describe(repo);
    System.out.println("machine: " + machine.get("nproc") + " cpus, kernel " + machine.get("kernel") + "; " + machine.get("uptimeStart"));
    System.out.println("service-proxy: " + machine.get("serviceProxyJar") + " (built " + machine.get("serviceProxyJarModified") + "), source commit "
        + machine.get("serviceProxyLastCommit") + ", uncommitted files " + machine.get("serviceProxyUncommittedFiles"));

    Namespaces ns = new Namespaces();
    ServicesBench bench = new ServicesBench(o, ns, System.out);
    Thread hook = new Thread(() -> {
      int n = ns.deleteAll();
      if (n > 0) System.err.println("run-services-bench: interrupted, removed " + n + " namespaces");
    });
    Runtime.getRuntime().addShutdownHook(hook);
    long t0 = System.nanoTime();
    try {
      bench.run();
    } finally {
      bench.closeAll();
      ns.deleteAll();
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String uptimeEnd = dev.weft.bench.HostFacts.uptime();

    Summary s = new Summary(bench.syncs, new ArrayList<>(bench.latency.values()), o.backends(), o.sizes());
    String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    System.out.println();
    System.out.println("services benchmark " + stamp + " UTC (" + String.format("%.0f", seconds) + " s), 10 endpoints per service");
    System.out.print(s.table());
    for (String n : bench.notes) System.out.println("note: " + n);
    System.out.println("load: before " + machine.get("uptimeStart") + "; after " + uptimeEnd);

    Files.createDirectories(o.out());
    Path json = o.out().resolve("services-" + stamp + ".json");
    Path svg = o.out().resolve("services-" + stamp + ".svg");
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("benchmark", "services");
    doc.put("timestampUtc", stamp);
    doc.put("commandLine", System.getenv().getOrDefault("WEFT_BENCH_CMDLINE", "bench/run-services-bench " + String.join(" ", args)));
    doc.put("seconds", seconds);
    doc.put("machine", machine);
    doc.put("uptimeEnd", uptimeEnd);
    doc.put("options", o.toString());
    doc.put("method", List.of(
        "services = n service ports (TCP), 10 endpoints each; the target service (ClusterIP " + ServiceModels.TARGET_VIP + ":80) sorts last"
            + " (last rule of iptables' WEFT-SERVICES chain) and points at 10 real pods; the others' endpoints exist only in the model",
        "full sync = wall clock around ProxyBackend.sync() on an empty kernel (a fresh namespace per sample), after a warm-up of both backends",
        "update = wall clock around sync() after changing one service's endpoints (and again changing it back), back to back, backends alternating",
        "first packet = blocking connect() to the ClusterIP from a client pod (each a new conntrack entry), closed with RST;"
            + " direct = the same to a pod address (no NAT); steady = 1-byte echo round trip on one established connection",
        "latency topologies (both backends × every size + a floor with no rules) take turns in shuffled rounds; round 0 discarded"));
    doc.put("rows", s.rows);
    doc.put("targets", s.targets);
    doc.put("ratios", s.ratios);
    doc.put("notes", bench.notes);
    doc.put("syncs", bench.syncs);
    doc.put("latencyMicros", bench.latency.values());
    Files.writeString(json, Json.write(doc));
    String title = "weft service proxy: nftables vs iptables, 10 endpoints per service";
    String sub = stamp + " UTC · " + machine.get("nproc") + " cpus · kernel " + machine.get("kernel") + " · service-proxy "
        + machine.get("serviceProxyLastCommit").split(" ")[0]
        + (machine.get("serviceProxyUncommittedFiles").startsWith("0") ? "" : " + uncommitted changes") + " · load " + loadOf(machine.get("uptimeStart")) + " → " + loadOf(uptimeEnd);
    Files.writeString(svg, SvgChart.render(s, o.sizes(), o.backends(), title, sub));
    System.out.println("wrote " + json + " and " + svg);
    Path png = o.out().resolve("services-" + stamp + ".png");
    try {
      Process p = new ProcessBuilder("rsvg-convert", "-o", png.toString(), svg.toString()).redirectErrorStream(true).start();
      if (p.waitFor() == 0) System.out.println("wrote " + png);
    } catch (IOException e) {
      // no rsvg-convert: the SVG is enough
    }
  }

  static String loadOf(String uptime) {
    int i = uptime.indexOf("load average:");
    return i < 0 ? uptime : uptime.substring(i + 13).strip();
  }
}
