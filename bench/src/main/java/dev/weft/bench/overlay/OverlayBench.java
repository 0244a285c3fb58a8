package dev.weft.bench.overlay;

import dev.weft.lab.Lab;
import dev.weft.lab.LabPod;
import dev.weft.lab.LabStatus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of the overlay benchmark on a fresh 2-node lab: pods {@code bench-a}, {@code bench-b} on node-1 and
 * {@code bench-c} on node-2. Paths: (a) bench-a -> bench-b (same node, the bridge), (b) bench-a -> bench-c (across
 * nodes, VXLAN), (c) node-1 -> node-2's underlay IP (the raw underlay). Each round runs every test on a, b, c in
 * turn, so machine noise lands on all three alike. Only lab namespaces carry traffic.
 */
final class OverlayBench {
  static final String VXLAN_DEV = "weft.vxlan";
  static final int IPERF_PORT = 5201;
  static final int RR_PORT = 7070;
  private static final Duration CMD_TIMEOUT = Duration.ofSeconds(20);

  private final OverlayOptions opts;
  private final PrintStream log;
  private final Lab lab;
  private final Servers servers = new Servers();
  private final AtomicBoolean cleaned = new AtomicBoolean();
  private final OverlayResults res = new OverlayResults();
  private String node1Ns, node2Ns;
  private final List<String> observedNs = new ArrayList<>();
  private final Map<String, String> nsNames = new LinkedHashMap<>(); // netns -> short name (node-1, bench-a, ...)
  private int seq;

  OverlayBench(OverlayOptions opts, PrintStream log) {
    this.opts = opts;
    this.log = log;
    this.lab = new Lab(opts.labName());
  }

  /** Stops the servers and removes the lab; safe to call twice and from a shutdown hook. */
  void cleanUp() {
    if (!cleaned.compareAndSet(false, true)) return;
    int n = servers.stopAll();
    if (n > 0) log.println("stopped " + n + " bench server processes");
    try {
      log.println(lab.down(null));
    } catch (RuntimeException e) {
      log.println("lab down " + lab.name() + " failed: " + e.getMessage() + " (run: dist/bin/weft lab down --name " + lab.name() + ")");
    }
  }

  boolean cleanedUp() {
    return cleaned.get();
  }

  OverlayResults run() {
    res.parallel = opts.parallel();
    setUp();
    checkMtu();
    startRrServers();
    for (int round = 1; round <= opts.rounds(); round++) {
      log.printf("round %d/%d (load %s)%n", round, opts.rounds(), dev.weft.bench.HostFacts.loadavg());
      for (int streams : new int[] {1, opts.parallel()})
        for (BenchPath p : res.paths) iperf(p, round, streams);
      for (BenchPath p : res.paths) rr(p, round);
      if (opts.pingCount() > 0)
        for (BenchPath p : res.paths) ping(p, round);
    }
    return res;
  }

  // ------------------------------------------------------------------------------------------ set-up

  private void setUp() {
    log.printf("lab %s: 2 nodes, pods bench-a bench-b on node-1, bench-c on node-2 ...%n", lab.name());
    Path agent = opts.dist().resolve("bin/weft-agent");
    lab.up(new Lab.UpOptions(2, opts.dist(), agent, Duration.ofSeconds(90), 0), log);
    LabPod a = lab.addPod("bench-a", "node-1", List.of("app=bench"));
    LabPod b = lab.addPod("bench-b", "node-1", List.of("app=bench"));
    LabPod c = lab.addPod("bench-c", "node-2", List.of("app=bench"));
    LabStatus st = lab.status();
    LabStatus.NodeStatus n1 = st.nodes().stream().filter(n -> n.node().name().equals("node-1")).findFirst().orElseThrow();
    LabStatus.NodeStatus n2 = st.nodes().stream().filter(n -> n.node().name().equals("node-2")).findFirst().orElseThrow();
    node1Ns = n1.node().netns();
    node2Ns = n2.node().netns();
    res.paths.add(new BenchPath(BenchPath.SAME_NODE, "pod\u2194pod same node", "bench-a", a.netns(), "bench-b", b.netns(), b.ip(), false));
    res.paths.add(new BenchPath(BenchPath.CROSS_NODE, "pod\u2194pod across nodes (VXLAN)", "bench-a", a.netns(), "bench-c", c.netns(), c.ip(), true));
    res.paths.add(new BenchPath(BenchPath.UNDERLAY, "underlay node-1\u2194node-2", "node-1", node1Ns, "node-2", node2Ns,
        n2.node().underlayIp(), false));
    for (var e : List.of(Map.entry(node1Ns, "node-1"), Map.entry(node2Ns, "node-2"), Map.entry(a.netns(), "bench-a"),
        Map.entry(b.netns(), "bench-b"), Map.entry(c.netns(), "bench-c"))) {
      observedNs.add(e.getKey());
      nsNames.put(e.getKey(), e.getValue());
    }
    Map<String, Object> lab = new LinkedHashMap<>();
    lab.put("name", this.lab.name());
    lab.put("node-1", Map.of("netns", node1Ns, "underlayIp", n1.node().underlayIp(), "podCidr", String.valueOf(n1.podCidr())));
    lab.put("node-2", Map.of("netns", node2Ns, "underlayIp", n2.node().underlayIp(), "podCidr", String.valueOf(n2.podCidr())));
    lab.put("pods", List.of(podJson(a), podJson(b), podJson(c)));
    res.machine.put("lab", lab);
    // the overlay route to node-2 may land a moment after the pods: wait until bench-a reaches bench-c
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      if (Cmd.runIn(a.netns(), CMD_TIMEOUT, "ping", "-c", "1", "-W", "1", c.ip()).ok()) break;
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("bench-a cannot reach bench-c (" + c.ip() + ") across the overlay after 20 s");
      sleep(200);
    }
    log.printf("paths: a) %s -> %s  b) %s -> %s  c) %s -> %s%n", a.ip(), b.ip(), a.ip(), c.ip(), n1.node().underlayIp(), n2.node().underlayIp());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static Map<String, Object> podJson(LabPod p) {
    return Map.of("name", p.name(), "node", p.node(), "ip", p.ip(), "netns", p.netns());
  }

  // ------------------------------------------------------------------------------ MTU and fragmentation

  private int mtu(String ns, String dev) {
    return Integer.parseInt(Cmd.runIn(ns, CMD_TIMEOUT, "cat", "/sys/class/net/" + dev + "/mtu").require().out().strip());
  }

  private void checkMtu() {
    BenchPath cross = res.path(BenchPath.CROSS_NODE);
    BenchPath under = res.path(BenchPath.UNDERLAY);
    int podMtu = mtu(cross.clientNs(), "eth0");
    int podMtuRemote = mtu(cross.serverNs(), "eth0");
    int vxlan1 = mtu(node1Ns, VXLAN_DEV), vxlan2 = mtu(node2Ns, VXLAN_DEV);
    int under1 = mtu(node1Ns, "eth0"), under2 = mtu(node2Ns, "eth0");
    int bridge1 = mtu(node1Ns, "cni0");
    res.mtu.put("podEth0", podMtu);
    res.mtu.put("podEth0Node2", podMtuRemote);
    res.mtu.put("cni0Node1", bridge1);
    res.mtu.put("vxlanNode1", vxlan1);
    res.mtu.put("vxlanNode2", vxlan2);
    res.mtu.put("underlayEth0Node1", under1);
    res.mtu.put("underlayEth0Node2", under2);
    res.mtu.put("vxlanDevice", Cmd.runIn(node1Ns, CMD_TIMEOUT, "ip", "-d", "link", "show", VXLAN_DEV).require().out().strip());
    log.printf("MTU: pod eth0 %d, %s %d/%d, underlay eth0 %d/%d%n", podMtu, VXLAN_DEV, vxlan1, vxlan2, under1, under2);

    check("VXLAN MTU = underlay MTU - 50 on both nodes", vxlan1 == under1 - 50 && vxlan2 == under2 - 50,
        "node-1 " + vxlan1 + " vs " + under1 + ", node-2 " + vxlan2 + " vs " + under2);
    check("pod MTU <= VXLAN MTU", podMtu <= vxlan1 && podMtuRemote <= vxlan2, "pods " + podMtu + "/" + podMtuRemote + ", vxlan " + vxlan1 + "/" + vxlan2);

    // full-size DF echo across the overlay: crosses, no node fragments or reassembles the outer packet
    Map<String, Snmp> before = snmpAll();
    dfPing("DF ping bench-a -> bench-c at pod MTU (" + (podMtu - 28) + " B payload) crosses", cross.clientNs(), cross.serverIp(), podMtu - 28, true);
    dfPing("DF ping bench-a -> bench-c at pod MTU + 1 fails: message too long", cross.clientNs(), cross.serverIp(), podMtu - 27, false);
    dfPing("DF ping node-1 -> node-2 at underlay MTU (" + (under1 - 28) + " B payload) crosses", under.clientNs(), under.serverIp(), under1 - 28, true);
    dfPing("DF ping node-1 -> node-2 at underlay MTU + 1 fails: message too long", under.clientNs(), under.serverIp(), under1 - 27, false);
    Map<String, Map<String, Long>> growth = growthSince(before);
    check("no fragmentation during the full-size DF pings", growth.isEmpty(), growth.isEmpty() ? "Frag*/Reasm* unchanged in " + nsNames.values() : growth.toString());

    // positive control: the counters do see fragmentation in these namespaces (an oversized echo without DF on the underlay)
    before = snmpAll();
    Cmd.Result r = Cmd.runIn(under.clientNs(), CMD_TIMEOUT, "ping", "-M", "dont", "-s", String.valueOf(under1 + 100), "-c", "1", "-W", "2", under.serverIp());
    growth = growthSince(before);
    long created = growth.getOrDefault("node-1", Map.of()).getOrDefault("FragCreates", 0L);
    long reasm = growth.getOrDefault("node-2", Map.of()).getOrDefault("ReasmReqds", 0L);
    check("positive control: a " + (under1 + 128) + " B echo without DF node-1 -> node-2 is fragmented and the counters see it",
        r.ok() && created > 0 && reasm > 0, "ping rc " + r.rc() + ", growth " + growth);
  }

  private void dfPing(String name, String ns, String ip, int payload, boolean shouldCross) {
    Cmd.Result r = Cmd.runIn(ns, CMD_TIMEOUT, "ping", "-M", "do", "-s", String.valueOf(payload), "-c", "3", "-i", "0.2", "-W", "1", ip);
    String text = r.both();
    boolean passed;
    String detail;
    if (shouldCross) {
      PingResult p = PingResult.parse(r.out());
      passed = r.ok() && p.received() == p.transmitted();
      detail = p.received() + "/" + p.transmitted() + " replies";
    } else {
      passed = !r.ok() && text.contains("message too long");
      detail = text.lines().filter(l -> l.contains("message too long")).findFirst().orElse("rc " + r.rc() + ": " + text).strip();
    }
    check(name, passed, detail);
  }

  private void check(String name, boolean passed, String detail) {
    res.checks.add(new OverlayResults.Check(name, passed, detail));
    log.printf("  %s %s (%s)%n", passed ? "ok  " : "FAIL", name, detail);
  }

  private Map<String, Snmp> snmpAll() {
    Map<String, Snmp> m = new LinkedHashMap<>();
    for (String ns : observedNs) m.put(ns, Snmp.parse(Cmd.runIn(ns, CMD_TIMEOUT, "cat", "/proc/net/snmp").require().out()));
    return m;
  }

  /** Per namespace (short name) the fragmentation counters that grew; empty when none did. */
  private Map<String, Map<String, Long>> growthSince(Map<String, Snmp> before) {
    Map<String, Snmp> after = snmpAll();
    Map<String, Map<String, Long>> out = new LinkedHashMap<>();
    for (String ns : observedNs) {
      Map<String, Long> g = after.get(ns).fragGrowthSince(before.get(ns));
      if (!g.isEmpty()) out.put(nsNames.get(ns), g);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------- measurements

  private void iperf(BenchPath p, int round, int streams) {
    Process server = servers.start(Cmd.inNs(p.serverNs(), "iperf3", "-s", "-1", "-p", String.valueOf(IPERF_PORT), "--forceflush"),
        "Server listening", Duration.ofSeconds(10));
    Map<String, Snmp> before = snmpAll();
    List<String> cmd = new ArrayList<>(Cmd.inNs(p.clientNs(), "iperf3", "-c", p.serverIp(), "-p", String.valueOf(IPERF_PORT), "-J", "-t",
        String.valueOf(opts.seconds()), "-O", "1"));
    if (streams > 1) cmd.addAll(List.of("-P", String.valueOf(streams)));
    Cmd.Result r = Cmd.run(cmd, Duration.ofSeconds(opts.seconds() + 40));
    Map<String, Map<String, Long>> growth = growthSince(before);
    servers.awaitOrStop(server, Duration.ofSeconds(3));
    IperfResult ir;
    try {
      ir = IperfResult.parse(r.out());
    } catch (RuntimeException e) {
      throw new IllegalStateException("iperf3 " + p.id() + " -P " + streams + " (rc " + r.rc() + "): " + e.getMessage() + " " + r.err().strip(), e);
    }
    res.tput.add(new OverlayResults.Tput(p.id(), round, ++seq, ir, growth));
    log.printf("  %-11s iperf3 -P %d  %7.2f Gbit/s  retr %5d  cpu %3.0f%%/%3.0f%%%s%n", p.id(), streams, ir.receivedGbps(), ir.retransmits(),
        ir.hostCpuPct(), ir.remoteCpuPct(), growth.isEmpty() ? "" : "  FRAGMENTED " + growth);
  }

  private void startRrServers() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = classPathOf(RrServer.class);
    for (BenchPath p : res.paths) {
      servers.start(Cmd.inNs(p.serverNs(), java, "-XX:+UseSerialGC", "-Xmx32m", "-XX:-UsePerfData", "-Xshare:auto", "-cp", cp,
          RrServer.class.getName(), String.valueOf(RR_PORT), String.valueOf(opts.rrSize())), "rr-server listening", Duration.ofSeconds(20));
    }
  }

  private static String classPathOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private void rr(BenchPath p, int round) {
    long[] ns = RrClient.run(p.clientNs(), p.serverIp(), RR_PORT, opts.rrSize(), opts.rrWarmup(), opts.rrSamples());
    res.rr.add(new OverlayResults.Rr(p.id(), round, ++seq, ns));
    log.printf("  %-11s TCP RR  p50 %6.1f us  p99 %6.1f us%n", p.id(), Stats.percentile(ns, 50) / 1000, Stats.percentile(ns, 99) / 1000);
  }

  private void ping(BenchPath p, int round) {
    Cmd.Result r = Cmd.runIn(p.clientNs(), Duration.ofSeconds(30 + opts.pingCount() / 50), "ping", "-c", String.valueOf(opts.pingCount()), "-i",
        "0.01", "-W", "1", p.serverIp());
    PingResult pr = PingResult.parse(r.out());
    res.ping.add(new OverlayResults.Ping(p.id(), round, ++seq, pr));
    double[] v = pr.rttMicros().stream().mapToDouble(Double::doubleValue).toArray();
    log.printf("  %-11s ICMP    p50 %6.1f us  p99 %6.1f us  (%d/%d)%n", p.id(), Stats.percentile(v, 50), Stats.percentile(v, 99), pr.received(),
        pr.transmitted());
  }

  OverlayResults results() {
    return res;
  }
}
