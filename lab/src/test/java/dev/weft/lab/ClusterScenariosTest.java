package dev.weft.lab;

import static dev.weft.lab.LabProbes.inNs;
import static dev.weft.lab.LabProbes.inNsResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.lab.LabProbes.EchoStream;
import dev.weft.lab.LabProbes.LineRecorder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #3, section 4, first bullet: the cluster end to end in one 3-node lab on the real kernel, with the real
 * weft-agent and weft-cni from {@code dist/}. Every claim is checked with an observer independent of weft:
 * {@code ip -j}/{@code bridge -j}, {@code ip monitor}/{@code bridge monitor}/{@code nft monitor},
 * {@code etcdctl watch}, real traffic (ping, curl, socat, a long-lived TCP conversation) and the agents' HTTP port
 * fetched with curl inside the node namespace.
 *
 * <p>Pods: a1, a2 on node-1, b1 on node-2, c1 on node-3. The scenarios run in order on the same lab; the
 * disruptive ones come last and each starts by waiting for the cluster to be whole again. The lab goes down in
 * {@code @AfterAll} (and in a shutdown hook if the JVM is stopped first).
 *
 * <p>How a node is kept down: the lab's supervisor restarts a dead agent (as a DaemonSet would) and has no way to
 * hold one down, so the test kills the agent and holds its HTTP port (9402) in the node's namespace: weft-agent opens
 * that port first thing and exits when it cannot, so every restart fails before touching etcd or the kernel, until
 * the port is released. etcd is kept down the same way (its client port on the underlay).
 */
@RootTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScenariosTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The issue's bound: a node joining or leaving is programmed on every other node within 1 s. */
  private static final long PROPAGATION_MILLIS = 1000;
  /** What the lab passes to agents ({@code LabConfig.agentCommand}: --lease-ttl 15s). */
  private static final Duration LEASE_TTL = Duration.ofSeconds(15);
  private static final String ETCD = "http://172.30.0.1:2379";
  private static final String LEASES = "/weft/leases/weft-system/";
  private static final int AGENT_PORT = LabConfig.AGENT_HTTP_PORT;

  private ScenarioLab scenario;
  private Lab lab;
  private LabPaths paths;
  private LabPod a1, a2, b1, c1;
  private final Map<String, String> measured = new LinkedHashMap<>();

  /** One node as observed: its namespace, underlay IP, pod CIDR (from the lab) and VTEP MAC (from ip -j). */
  private record Peer(String name, String netns, String underlayIp, String podCidr, String gateway, String vtepMac) {
    String leaseKey() {
      return LEASES + podCidr.replace('/', '-');
    }
  }

  // ------------------------------------------------------------------------------------ lifecycle

  @BeforeAll
  void upWithPods() {
    Path dist = Path.of(System.getProperty("weft.dist", "../dist")).toAbsolutePath().normalize();
    Path agent = dist.resolve("bin/weft-agent");
    assertTrue(Files.isExecutable(dist.resolve("bin/weft-cni")) && Files.isExecutable(agent), "run 'make build' first: no " + dist + "/bin/weft-cni or weft-agent");
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null) System.setProperty("weft.lab.classpath", cp);
    scenario = new ScenarioLab(new Lab("cs" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff))), "cluster-scenarios");
    lab = scenario.lab();
    paths = lab.paths();
    long t0 = LabProbes.nowMillis();
    scenario.up(new Lab.UpOptions(3, dist, agent, Duration.ofSeconds(90), 0));
    long t1 = LabProbes.nowMillis();
    a1 = lab.addPod("a1", "node-1", List.of("app=web"));
    a2 = lab.addPod("a2", "node-1", List.of("app=web"));
    b1 = lab.addPod("b1", "node-2", List.of("app=web"));
    c1 = lab.addPod("c1", "node-3", List.of("app=web"));
    measured.put("lab up (3 nodes)", (t1 - t0) + " ms");
    measured.put("4 pod adds", (LabProbes.nowMillis() - t1) + " ms");
  }

  /** On a failure: every node's overlay state and agent metrics, kept with the logs (see {@link ScenarioLab}). */
  @RegisterExtension
  final AfterTestExecutionCallback snapshotOnFailure = ctx -> {
    if (ctx.getExecutionException().isEmpty() || lab == null || !lab.isUp()) return;
    StringBuilder s = new StringBuilder("after " + ctx.getDisplayName() + ": " + ctx.getExecutionException().get() + "\n");
    for (LabConfig.Node n : LabConfig.read(paths).nodes()) {
      String ns = n.netns();
      s.append("\n=== ").append(n.name()).append('\n');
      for (String[] cmd : List.of(new String[] {"ip", "-d", "link", "show", "dev", "weft.vxlan"}, new String[] {"ip", "route"},
          new String[] {"ip", "neigh", "show", "dev", "weft.vxlan"}, new String[] {"bridge", "fdb", "show", "dev", "weft.vxlan"},
          new String[] {"curl", "-sS", "-m", "3", "http://127.0.0.1:" + AGENT_PORT + "/readyz"}))
        s.append("$ ").append(String.join(" ", cmd)).append('\n').append(inNsResult(ns, cmd).out());
      s.append(inNsResult(ns, "curl", "-sS", "-m", "3", "http://127.0.0.1:" + AGENT_PORT + "/metrics").out().lines()
          .filter(l -> l.startsWith("weft_") && !l.contains("_bucket")).reduce("", (a, b) -> a + b + "\n"));
    }
    s.append("\n=== leases\n").append(inNsResult(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "get", "--prefix", LEASES).out());
    scenario.snapshot(ctx.getRequiredTestMethod().getName(), s.toString());
  };

  @AfterAll
  void down() {
    System.out.println("ClusterScenariosTest measurements (lab " + (lab == null ? "-" : lab.name()) + "):");
    measured.forEach((k, v) -> System.out.println("  " + k + ": " + v));
    if (scenario != null) scenario.down();
  }

  // ------------------------------------------------------------------------------------ 1. pod <-> pod

  @Test
  @Order(1)
  void podToPodOnOneNode() {
    assertEquals(a1.node(), a2.node());
    assertTraffic(a1, a2);
    assertTraffic(a2, a1);
  }

  @Test
  @Order(2)
  void podToPodAcrossNodesKeepsSourceAddresses() {
    assertTraffic(a1, b1); // node-1 -> node-2
    assertTraffic(b1, c1); // node-2 -> node-3
    assertTraffic(c1, a2); // node-3 -> node-1
  }

  @Test
  @Order(3)
  void everyNodeProgramsEveryOtherNode() {
    List<Peer> peers = peers();
    Set<String> cidrs = new HashSet<>();
    for (Peer p : peers) {
      assertTrue(cidrs.add(p.podCidr()), "two nodes hold " + p.podCidr() + ": " + peers);
      assertTrue(IpPrefix.parse("10.244.0.0/16").contains(IpPrefix.parseAddress(p.gateway())), p.toString());
      // the device: VXLAN VNI 1, port 4789, nolearning, local = underlay IP, MTU = underlay MTU - 50
      JsonNode dev = Sh.ip(p.netns(), "-d", "link", "show", "dev", "weft.vxlan").get(0);
      JsonNode data = dev.get("linkinfo").get("info_data");
      assertEquals("vxlan", dev.get("linkinfo").get("info_kind").asText());
      assertEquals(1, data.get("id").asInt());
      assertEquals(4789, data.get("port").asInt());
      assertEquals(p.underlayIp(), data.get("local").asText());
      assertTrue(data.has("learning") && !data.get("learning").asBoolean(), "nolearning: " + data);
      int underlayMtu = Sh.ip(p.netns(), "link", "show", "dev", "eth0").get(0).get("mtu").asInt();
      assertEquals(underlayMtu - 50, dev.get("mtu").asInt(), "weft.vxlan MTU on " + p.name());
      // the node's own pod CIDR address on the device (the next hop the others use)
      assertTrue(Sh.ip(p.netns(), "-4", "addr", "show", "dev", "weft.vxlan").toString().contains("\"" + p.gateway() + "\""), p.name());
      for (Peer q : peers) if (q != p) assertProgrammed(p, q);
      // weft owns nothing else on its device: exactly one route/neigh/fdb per other node
      assertEquals(peers.size() - 1, Sh.ip(p.netns(), "route", "show", "proto", "87").size(), "proto 87 routes on " + p.name());
      assertEquals(peers.size() - 1, Sh.ip(p.netns(), "neigh", "show", "dev", "weft.vxlan", "nud", "permanent").size());
      assertEquals(peers.size() - 1, Sh.bridge(p.netns(), "fdb", "show", "dev", "weft.vxlan").size());
    }
  }

  // ------------------------------------------------------------------------------------ 2. egress

  @Test
  @Order(4)
  void podToExternalIsMasqueradedAndExternalToPodIsRouted() {
    String ext = lab.status().config().extIp();
    for (LabPod p : List.of(a1, b1, c1)) {
      String nodeIp = lab.status().config().node(p.node()).underlayIp();
      assertEquals("host=ext client=" + nodeIp, clientless(curl(p.netns(), ext)), "pod " + p.name() + " -> ext");
      assertEquals("host=ext client=" + nodeIp + "\nhi", clientless(socat(p.netns(), "UDP", ext)), "UDP pod " + p.name() + " -> ext");
      ping(p.netns(), ext);
      // routed, not NATed, on the way in
      assertEquals("pod=" + p.name() + " node=" + p.node() + " client=" + ext, clientless(curl(paths.extNs(), p.ip())), "ext -> " + p.name());
      assertEquals("pod=" + p.name() + " client=" + ext + "\nhi", clientless(socat(paths.extNs(), "TCP", p.ip())));
    }
    // the masquerade is the agent's nft table (independent read)
    String nft = inNs(lab.namespaceOf("node-1"), "nft", "list", "table", "inet", "weft_egress");
    assertTrue(nft.contains("masquerade"), nft);
  }

  // ------------------------------------------------------------------------------------ 6. metrics

  @Test
  @Order(5)
  void agentsServeMetricsHealthAndReadiness() {
    Map<String, Long> podsPerNode = new LinkedHashMap<>();
    for (LabPod p : List.of(a1, a2, b1, c1)) podsPerNode.merge(p.node(), 1L, Long::sum);
    double fastPathTotal = 0;
    for (Peer p : peers()) {
      String[] m = curlAgent(p, "/metrics");
      assertEquals("200", m[1], p.name() + " /metrics");
      assertTrue(m[2].startsWith("text/plain"), "content type " + m[2]);
      String body = m[0];
      assertTrue(body.contains("# TYPE weft_overlay_reconcile_duration_seconds histogram"), body);
      assertTrue(metric(body, "weft_overlay_reconcile_duration_seconds_count") >= 1, body);
      assertTrue(body.contains("weft_overlay_reconcile_duration_seconds_bucket{le="), "histogram buckets");
      assertEquals(2.0, metric(body, "weft_overlay_peers"), p.name() + " peers");
      assertEquals(0.0, metric(body, "weft_overlay_reconcile_errors_total"), p.name() + " errors");
      assertEquals(1.0, metric(body, "weft_agent_ready"), p.name());
      double fp = metric(body, "weft_cni_fastpath_requests");
      assertTrue(fp >= podsPerNode.getOrDefault(p.name(), 0L), p.name() + ": " + fp + " fast-path requests for " + podsPerNode.get(p.name()) + " pod adds");
      fastPathTotal += fp;
      String[] h = curlAgent(p, "/healthz");
      assertEquals("200", h[1], p.name() + " /healthz: " + h[0]);
      String[] r = curlAgent(p, "/readyz");
      assertEquals("200", r[1], p.name() + " /readyz: " + r[0]);
      assertEquals("ready", r[0].strip());
    }
    assertTrue(fastPathTotal >= 4, "the lab's 4 pod adds went through the agents' fast path: " + fastPathTotal);
    measured.put("fast-path requests after 4 pod adds", String.valueOf((long) fastPathTotal));
  }

  // ------------------------------------------------------------------------------------ 7. MTU

  @Test
  @Order(6)
  void fullMtuAcrossNodesWithoutFragmentation() throws Exception {
    int podMtu = Sh.ip(a1.netns(), "link", "show", "dev", "eth0").get(0).get("mtu").asInt();
    int underlayMtu = Sh.ip(lab.namespaceOf("node-1"), "link", "show", "dev", "eth0").get(0).get("mtu").asInt();
    assertEquals(underlayMtu - 50, podMtu, "pod MTU = underlay MTU - VXLAN overhead");
    List<String> watched = List.of(lab.namespaceOf("node-1"), lab.namespaceOf("node-2"), paths.underlayNs(), a1.netns(), b1.netns());
    Map<String, Map<String, Long>> before = new LinkedHashMap<>();
    for (String ns : watched) before.put(ns, fragCounters(ns));

    // ICMP at exactly the pod MTU, DF set: through; one byte more: refused, not fragmented
    var ok = inNsResult(a1.netns(), "ping", "-M", "do", "-s", Integer.toString(podMtu - 28), "-c", "3", "-i", "0.2", "-W", "2", b1.ip());
    assertEquals(0, ok.exit(), ok.out() + ok.err());
    assertTrue(ok.out().contains(" 0% packet loss") && ok.out().contains((podMtu - 20) + " bytes from " + b1.ip()), ok.out());
    var tooBig = inNsResult(a1.netns(), "ping", "-M", "do", "-s", Integer.toString(podMtu - 27), "-c", "1", "-W", "2", b1.ip());
    assertNotEquals(0, tooBig.exit(), tooBig.out());
    assertTrue((tooBig.out() + tooBig.err()).toLowerCase(Locale.ROOT).contains("message too long"), tooBig.out() + tooBig.err());
    // the other way too
    var back = inNsResult(b1.netns(), "ping", "-M", "do", "-s", Integer.toString(podMtu - 28), "-c", "2", "-i", "0.2", "-W", "2", a1.ip());
    assertEquals(0, back.exit(), back.out() + back.err());

    // bulk TCP across nodes: full-size segments, 512 KiB echoed back intact
    byte[] data = new byte[512 * 1024];
    ThreadLocalRandom.current().nextBytes(data);
    try (Socket s = NetNs.call(NetNs.path(a1.netns()), () -> {
      Socket x = new Socket();
      x.connect(new InetSocketAddress(b1.ip(), Responder.ECHO_PORT), 3000);
      return x;
    })) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      String greeting = readLine(in);
      assertEquals("pod=b1 client=" + a1.ip(), clientless(greeting));
      Thread writer = Thread.ofPlatform().start(() -> {
        try {
          OutputStream out = s.getOutputStream();
          out.write(data);
          out.flush();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      byte[] got = in.readNBytes(data.length);
      writer.join(10_000);
      assertTrue(Arrays.equals(data, got), "512 KiB echoed across nodes (" + got.length + " bytes back)");
    }

    for (String ns : watched) assertEquals(before.get(ns), fragCounters(ns), "IP fragmentation/reassembly counters in " + ns);
  }

  // ------------------------------------------------------------------------------------ 4. agent restart

  @Test
  @Order(7)
  void agentsKilledAndRestartedUnderTrafficChangeNothing() {
    awaitConverged(Duration.ofSeconds(30));
    Peer n1 = peer("node-1"), n2 = peer("node-2");
    LabStatus.NodeStatus s1 = nodeStatus("node-1"), s2 = nodeStatus("node-2");
    List<LineRecorder> monitors = new ArrayList<>();
    try (EchoStream echo = new EchoStream(a1.netns(), b1.ip(), 50)) {
      for (Peer p : List.of(n1, n2)) {
        monitors.add(LineRecorder.start(p.netns(), 0, "ip", "-o", "monitor", "link", "address", "route", "neigh"));
        monitors.add(LineRecorder.start(p.netns(), 0, "bridge", "monitor", "fdb"));
        monitors.add(LineRecorder.start(p.netns(), 0, "nft", "monitor"));
      }
      LabProbes.sleep(400);
      assertEquals("pod=b1 client=" + a1.ip(), clientless(echo.greeting), "the server sees the client pod's own address");
      echo.awaitMore(5, Duration.ofSeconds(5));
      for (Peer p : List.of(n1, n2)) proveMonitorsSee(p, monitors);
      int[] from = monitors.stream().mapToInt(LineRecorder::size).toArray();

      long t0 = LabProbes.nowMillis();
      Sh.run("kill", "-KILL", Long.toString(s1.agentPid()), Long.toString(s2.agentPid()));
      long ready1 = awaitRestartedAndReady(n1, s1.agentPid(), t0), ready2 = awaitRestartedAndReady(n2, s2.agentPid(), t0);
      measured.put("agent SIGKILL -> restarted agent ready (node-1, node-2)", (ready1 - t0) + " ms, " + (ready2 - t0) + " ms");
      measured.put("restarted agents' own log (node-1; node-2)", agentStartTimes("node-1") + "; " + agentStartTimes("node-2"));
      echo.awaitMore(30, Duration.ofSeconds(10)); // > 1.5 s of traffic after both are ready
      assertNull(echo.failure(), "long-lived TCP connection");
      measured.put("longest gap in the long-lived TCP conversation across the agent restarts", echo.maxGapMillis() + " ms");
      assertTrue(echo.maxGapMillis() < 1000, "the TCP conversation stalled " + echo.maxGapMillis() + " ms");

      // issue #3's kernel state: the VXLAN device, its routes/neighbours/FDB, the egress NAT table
      List<String> writes = new ArrayList<>();
      Map<String, Integer> otherNft = new LinkedHashMap<>();
      for (int i = 0; i < monitors.size(); i++) {
        LineRecorder m = monitors.get(i);
        boolean nft = m.what().contains("nft monitor");
        for (var l : m.matching(from[i], t -> !t.startsWith("# new generation"))) {
          String t = l.text();
          if (nft && !t.contains("weft_egress")) {
            String[] w = t.split("\\s+");
            otherNft.merge(w.length > 3 ? "table " + w[2] + " " + w[3] : t, 1, Integer::sum); // "delete rule ip weft_proxy ..."
          } else if (nft || t.contains("weft.vxlan") || t.contains("proto 87")) {
            writes.add(m.what() + ": " + t);
          }
        }
      }
      if (!otherNft.isEmpty()) measured.put("nft changes by the restarted agents outside issue #3's tables (lines per table)", otherNft.toString());
      assertEquals(List.of(), writes, "overlay/egress kernel changes by the restarted agents");
      for (Peer p : List.of(n1, n2)) {
        String body = curlAgent(p, "/metrics")[0];
        assertEquals(0.0, metric(body, "weft_overlay_kernel_writes_total"), p.name() + ": the restarted agent's kernel writes");
        assertEquals(0.0, metric(body, "weft_overlay_reconcile_errors_total"), p.name());
        assertTrue(metric(body, "weft_overlay_reconcile_duration_seconds_count") >= 1, p.name() + " reconciled");
      }
      assertEquals(s1.restarts() + 1, nodeStatus("node-1").restarts());
      assertEquals(s2.restarts() + 1, nodeStatus("node-2").restarts());
      assertEquals(s1.podCidr(), nodeStatus("node-1").podCidr());
      assertTraffic(a1, b1);
    } finally {
      monitors.forEach(LabProbes::closeQuietly);
    }
  }

  // ------------------------------------------------------------------------------------ 5. etcd restart

  @Test
  @Order(8)
  void etcdRestartKeepsTrafficAndWatchesResume() throws Exception {
    awaitConverged(Duration.ofSeconds(30));
    List<Peer> peers = peers();
    long etcdPid = J.num(lab.status().supervisor().etcd(), "pid", 0);
    long etcdRestarts = J.num(lab.status().supervisor().etcd(), "restarts", 0);
    assertTrue(etcdPid > 0);
    ServerSocket hold = null;
    List<LineRecorder> monitors = new ArrayList<>();
    try (EchoStream echo = new EchoStream(a1.netns(), c1.ip(), 50)) {
      echo.awaitMore(5, Duration.ofSeconds(5));
      long t0 = LabProbes.nowMillis();
      Sh.run("kill", "-KILL", Long.toString(etcdPid));
      hold = LabProbes.holdPort(paths.underlayNs(), "172.30.0.1", 2379, Duration.ofSeconds(5));
      // 3 s and more without etcd: traffic flows, the kernel keeps its state, the agents stay alive
      Set<Integer> readyzDuringOutage = new HashSet<>();
      while (LabProbes.nowMillis() - t0 < 3000) {
        for (Peer p : peers) readyzDuringOutage.add(LabProbes.httpStatus(p.netns(), p.underlayIp(), AGENT_PORT, "/readyz", 500));
        LabProbes.sleep(200);
      }
      assertNotEquals(0, inNsResult(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "--dial-timeout", "1s", "--command-timeout", "1s",
          "endpoint", "health").exit(), "etcd must be down");
      for (Peer p : peers) for (Peer q : peers) if (p != q) assertProgrammed(p, q);
      assertTraffic(b1, a2);
      measured.put("agents' /readyz codes while etcd was down", readyzDuringOutage.toString());
      assertTrue(readyzDuringOutage.contains(503), "/readyz reports the cut-off datastore watch: " + readyzDuringOutage);
      for (Peer p : peers) assertEquals("200", curlAgent(p, "/healthz")[1], p.name() + " stays live without etcd");
      hold.close();
      hold = null;
      long released = LabProbes.nowMillis();

      // etcd back (restarted by the supervisor), agents ready
      long etcdBack = awaitTrue(Duration.ofSeconds(20), "etcd healthy again",
          () -> inNsResult(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "--dial-timeout", "1s", "endpoint", "health").exit() == 0);
      long agentsReady = awaitTrue(Duration.ofSeconds(20), "agents ready after the etcd restart",
          () -> peers.stream().allMatch(p -> LabProbes.httpStatus(p.netns(), p.underlayIp(), AGENT_PORT, "/readyz", 500) == 200));
      assertTrue(J.num(lab.status().supervisor().etcd(), "restarts", 0) > etcdRestarts, "etcd was restarted by the supervisor");
      measured.put("etcd down (killed, port held)", (released - t0) + " ms; healthy again " + (etcdBack - released)
          + " ms after release; agents ready " + (agentsReady - released) + " ms after release");

      // watches resumed: a node joining now (a lease record as a new node writes it) is programmed on every node,
      // and its departure too
      for (Peer p : peers) {
        monitors.add(LineRecorder.start(p.netns(), 0, "ip", "monitor", "route", "neigh"));
        monitors.add(LineRecorder.start(p.netns(), 0, "bridge", "monitor", "fdb"));
      }
      LineRecorder watch = LineRecorder.start(paths.underlayNs(), 0, "etcdctl", "--endpoints", ETCD, "watch", "--prefix", LEASES);
      monitors.add(watch);
      LabProbes.sleep(500);
      Peer fake = fakePeer(peers);
      long joinMillis, leaveMillis;
      String joinPerNode;
      String etcdLease = inNs(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "lease", "grant", "60").split("\\s+")[1];
      try {
        int[] from = monitors.stream().mapToInt(LineRecorder::size).toArray();
        inNs(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "put", "--lease=" + etcdLease, fake.leaseKey(), fakeLeaseRecord(fake));
        long put = awaitEvent(watch, 0, "PUT", fake.leaseKey(), Duration.ofSeconds(5));
        long joined = awaitProgramming(monitors, from, peers, fake, true);
        joinPerNode = perNodeSince(put) + "; the record was written " + (put - etcdBack) + " ms after etcd answered again";
        measured.put("after the etcd restart: new lease record -> programmed, per node", joinPerNode);
        for (Peer p : peers) assertProgrammed(p, fake);
        from = monitors.stream().mapToInt(LineRecorder::size).toArray();
        inNs(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "del", fake.leaseKey());
        long del = awaitEvent(watch, 0, "DELETE", fake.leaseKey(), Duration.ofSeconds(5));
        long left = awaitProgramming(monitors, from, peers, fake, false);
        for (Peer p : peers) assertNotProgrammed(p, fake);
        measured.put("after the etcd restart: a new lease record programmed on every node / removed", (joined - put) + " ms / " + (left - del) + " ms");
        joinMillis = joined - put;
        leaveMillis = left - del;
      } finally {
        inNsResult(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "lease", "revoke", etcdLease);
      }

      // a pod added after the restart is reachable from another node
      LabPod late = lab.addPod("late", "node-3", List.of());
      assertTraffic(a1, late);
      awaitTrue(Duration.ofSeconds(10), "pod late registered in etcd", () -> !etcdGet("/weft/pods/default/late").isEmpty());

      // cross-node traffic never stopped
      echo.awaitMore(5, Duration.ofSeconds(5));
      assertNull(echo.failure(), "long-lived TCP connection across the etcd restart");
      measured.put("longest gap in a long-lived TCP conversation (node-1 -> node-3) across the etcd outage", echo.maxGapMillis() + " ms");
      assertTrue(echo.maxGapMillis() < 1000, "TCP stalled " + echo.maxGapMillis() + " ms during the etcd outage");

      // last, so that everything above is checked anyway: the issue's 1 s also holds right after etcd is back (the
      // record is written as soon as etcd answers; an agent whose watch is still waiting to re-list misses it)
      assertTrue(joinMillis <= PROPAGATION_MILLIS, "a node joining after the etcd restart was programmed everywhere after " + joinMillis
          + " ms (per node: " + joinPerNode + ")");
      assertTrue(leaveMillis <= PROPAGATION_MILLIS, "a node leaving after the etcd restart was removed everywhere after " + leaveMillis + " ms");
    } finally {
      LabProbes.closeQuietly(hold);
      monitors.forEach(LabProbes::closeQuietly);
    }
  }

  // ------------------------------------------------------------------------------------ 3. leave / rejoin

  @Test
  @Order(9)
  void nodeLeavesAfterTheLeaseTtlAndRejoinsWithItsSubnet() throws Exception {
    awaitConverged(Duration.ofSeconds(30));
    Peer gone = peer("node-3");
    List<Peer> others = List.of(peer("node-1"), peer("node-2"));
    LabStatus.NodeStatus before = nodeStatus("node-3");
    List<LineRecorder> monitors = new ArrayList<>();
    boolean stopped = false;
    try {
      LineRecorder watch = observeLeaseChanges(others, monitors);
      int[] from = monitors.stream().mapToInt(LineRecorder::size).toArray();

      long killed = LabProbes.nowMillis();
      LabStatus.NodeStatus down = lab.stopNode("node-3", true); // SIGKILL, and the supervisor keeps it down
      stopped = true;
      assertEquals(0, down.agentPid());
      assertTrue(!Files.exists(Path.of("/proc/" + before.agentPid())), "the agent process is gone");
      long deleted = awaitEvent(watch, 0, "DELETE", gone.leaseKey(), LEASE_TTL.plusSeconds(15));
      assertTrue(deleted - killed >= LEASE_TTL.toMillis() - 5500, "the lease lasted only " + (deleted - killed) + " ms after the agent died");
      long dropped = awaitProgramming(monitors, from, others, gone, false);
      measured.put("node-3 agent killed -> its lease deleted (TTL 15 s)", (deleted - killed) + " ms");
      measured.put("node-3 lease deleted -> route/neigh/fdb gone on node-1 and node-2", (dropped - deleted) + " ms");
      for (Peer p : others) {
        assertNotProgrammed(p, gone);
        assertEquals(1.0, metric(curlAgent(p, "/metrics")[0], "weft_overlay_peers"), p.name() + " peers with node-3 gone");
      }
      assertTraffic(a1, b1); // the rest of the cluster is unaffected
      assertTrue(dropped - deleted <= PROPAGATION_MILLIS, "node-3's departure reached the other nodes after " + (dropped - deleted) + " ms");

      assertTrue(nodeStatus("node-3").stopped() && nodeStatus("node-3").agentPid() == 0, "held down all along: " + nodeStatus("node-3"));

      // back: 'weft lab node start'
      from = monitors.stream().mapToInt(LineRecorder::size).toArray();
      int watchFrom = watch.size();
      long released = LabProbes.nowMillis();
      lab.startNode("node-3", Duration.ofSeconds(60));
      stopped = false;
      long put = awaitEvent(watch, watchFrom, "PUT", gone.leaseKey(), Duration.ofSeconds(30)); // the same key: the same subnet
      long programmed = awaitProgramming(monitors, from, others, gone, true);
      measured.put("node-3 started -> its lease record back", (put - released) + " ms (JVM start)");
      measured.put("node-3 lease record back -> programmed on node-1 and node-2", (programmed - put) + " ms");
      awaitTrue(Duration.ofSeconds(20), "node-3 ready again", () -> nodeStatus("node-3").ready());
      assertEquals(before.podCidr(), nodeStatus("node-3").podCidr(), "node-3 got its pod CIDR back");
      for (Peer p : others) assertProgrammed(p, peer("node-3"));
      assertEquals(gone, peer("node-3"));
      assertTraffic(a1, c1);
      assertTraffic(c1, b1);
      assertTrue(programmed - put <= PROPAGATION_MILLIS, "node-3's return reached the other nodes after " + (programmed - put) + " ms");
      assertOnlyChanged(watch, gone);
    } finally {
      if (stopped) lab.startNode("node-3", Duration.ofSeconds(60));
      monitors.forEach(LabProbes::closeQuietly);
    }
  }

  /** SIGSTOP: the process lives on (the supervisor sees nothing to restart) but stops renewing its lease. */
  @Test
  @Order(10)
  void frozenAgentLosesItsLeaseAndTakesItBackWhenThawed() {
    awaitConverged(Duration.ofSeconds(30));
    Peer frozen = peer("node-2");
    List<Peer> others = List.of(peer("node-1"), peer("node-3"));
    LabStatus.NodeStatus before = nodeStatus("node-2");
    List<LineRecorder> monitors = new ArrayList<>();
    boolean stopped = false;
    try {
      LineRecorder watch = observeLeaseChanges(others, monitors);
      int[] from = monitors.stream().mapToInt(LineRecorder::size).toArray();
      Sh.run("kill", "-STOP", Long.toString(before.agentPid()));
      stopped = true;
      long deleted = awaitEvent(watch, 0, "DELETE", frozen.leaseKey(), LEASE_TTL.plusSeconds(15));
      long dropped = awaitProgramming(monitors, from, others, frozen, false);
      for (Peer p : others) assertNotProgrammed(p, frozen);

      from = monitors.stream().mapToInt(LineRecorder::size).toArray();
      int watchFrom = watch.size();
      Sh.run("kill", "-CONT", Long.toString(before.agentPid()));
      stopped = false;
      long thawed = LabProbes.nowMillis();
      long put = awaitEvent(watch, watchFrom, "PUT", frozen.leaseKey(), Duration.ofSeconds(20));
      long programmed = awaitProgramming(monitors, from, others, frozen, true);
      measured.put("frozen node-2: lease deleted -> dropped / thawed -> lease back / lease back -> programmed",
          (dropped - deleted) + " ms / " + (put - thawed) + " ms / " + (programmed - put) + " ms");
      for (Peer p : others) assertProgrammed(p, frozen);
      assertEquals(before.agentPid(), nodeStatus("node-2").agentPid(), "the same agent process (not restarted)");
      assertEquals(before.podCidr(), nodeStatus("node-2").podCidr());
      assertTraffic(a1, b1);
      assertTrue(dropped - deleted <= PROPAGATION_MILLIS, "frozen node-2 dropped after " + (dropped - deleted) + " ms");
      assertTrue(programmed - put <= PROPAGATION_MILLIS, "thawed node-2 programmed after " + (programmed - put) + " ms");
      assertOnlyChanged(watch, frozen);
    } finally {
      if (stopped) Sh.runQuietly("kill", "-CONT", Long.toString(before.agentPid()));
      monitors.forEach(LabProbes::closeQuietly);
    }
  }

  /** SIGTERM (a DaemonSet rollout, a node drain) stops the agent at once; its replacement finds the kernel right. */
  @Test
  @Order(11)
  void sigtermStopsTheAgentAtOnceAndLeavesTheNodeWorking() {
    awaitConverged(Duration.ofSeconds(30));
    Peer n1 = peer("node-1");
    LabStatus.NodeStatus before = nodeStatus("node-1");
    try (EchoStream echo = new EchoStream(a1.netns(), c1.ip(), 50)) {
      echo.awaitMore(5, Duration.ofSeconds(5));
      long t0 = LabProbes.nowMillis();
      Sh.run("kill", "-TERM", Long.toString(before.agentPid()));
      long exited = awaitTrue(Duration.ofSeconds(15), "node-1's agent exited after SIGTERM",
          () -> !Files.exists(Path.of("/proc/" + before.agentPid())));
      long ready = awaitRestartedAndReady(n1, before.agentPid(), t0);
      measured.put("agent SIGTERM -> exited / restarted agent ready (node-1)", (exited - t0) + " ms / " + (ready - t0) + " ms");
      assertTrue(exited - t0 < 2000, "the agent took " + (exited - t0) + " ms to exit after SIGTERM");
      echo.awaitMore(10, Duration.ofSeconds(10));
      assertNull(echo.failure(), "long-lived TCP connection across the agent's SIGTERM and restart");
      assertEquals(before.podCidr(), nodeStatus("node-1").podCidr());
      for (Peer q : peers()) if (!q.name().equals(n1.name())) assertProgrammed(n1, q);
      assertTraffic(a1, c1);
    }
  }

  // ------------------------------------------------------------------------------------ observers

  /**
   * Starts, into {@code monitors}, a route/neigh and an FDB monitor in each observer's namespace, then an etcd watch of the
   * lease records (last: {@link #awaitProgramming} reads the observers' pairs); returns the watch once all are running.
   */
  private LineRecorder observeLeaseChanges(List<Peer> observers, List<LineRecorder> monitors) {
    for (Peer p : observers) {
      monitors.add(LineRecorder.start(p.netns(), 0, "ip", "monitor", "route", "neigh"));
      monitors.add(LineRecorder.start(p.netns(), 0, "bridge", "monitor", "fdb"));
    }
    LineRecorder watch = LineRecorder.start(paths.underlayNs(), 0, "etcdctl", "--endpoints", ETCD, "watch", "--prefix", LEASES);
    monitors.add(watch);
    LabProbes.sleep(500);
    return watch;
  }

  /**
   * A positive control for "the monitors saw no change": a route, a neighbour and an FDB entry on weft.vxlan that
   * weft does not own (TEST-NET-1, proto static, NUD noarp / static), added and removed by hand, must show up in
   * this node's {@code ip monitor}, {@code bridge monitor fdb}; an nft table likewise in {@code nft monitor}.
   */
  private static void proveMonitorsSee(Peer p, List<LineRecorder> monitors) {
    List<LineRecorder> mine = monitors.stream().filter(m -> m.what().startsWith(p.netns() + ":")).toList();
    int[] from = mine.stream().mapToInt(LineRecorder::size).toArray();
    String ns = p.netns();
    inNs(ns, "ip", "route", "add", "192.0.2.0/24", "dev", "weft.vxlan", "proto", "static");
    inNs(ns, "ip", "neigh", "add", "192.0.2.1", "lladdr", "02:00:5e:00:53:01", "dev", "weft.vxlan", "nud", "noarp");
    inNs(ns, "bridge", "fdb", "add", "02:00:5e:00:53:01", "dev", "weft.vxlan", "dst", "192.0.2.1", "static");
    inNs(ns, "nft", "add", "table", "inet", "weft_test_probe");
    Sh.runQuietly("ip", "-n", ns, "route", "del", "192.0.2.0/24", "dev", "weft.vxlan");
    Sh.runQuietly("ip", "-n", ns, "neigh", "del", "192.0.2.1", "dev", "weft.vxlan");
    Sh.runQuietly("bridge", "-n", ns, "fdb", "del", "02:00:5e:00:53:01", "dev", "weft.vxlan", "dst", "192.0.2.1");
    inNs(ns, "nft", "delete", "table", "inet", "weft_test_probe");
    for (int i = 0; i < mine.size(); i++) {
      LineRecorder m = mine.get(i);
      String probe = m.what().contains("nft monitor") ? "weft_test_probe" : m.what().contains("bridge monitor") ? "02:00:5e:00:53:01" : "192.0.2.";
      assertNotNull(m.await(from[i], l -> l.contains(probe), Duration.ofSeconds(3)), m.what() + " does not see changes: " + m.lines());
      LabProbes.sleep(50);
    }
    LabProbes.sleep(200); // let the last deletions' lines arrive before the baseline is taken
  }

  /** ICMP, HTTP (80), TCP echo and UDP echo (7) from one pod to another; the server sees the client's own IP. */
  private void assertTraffic(LabPod from, LabPod to) {
    ping(from.netns(), to.ip());
    assertEquals("pod=" + to.name() + " node=" + to.node() + " client=" + from.ip(), clientless(curl(from.netns(), to.ip())), from.name() + " -> " + to.name() + " HTTP");
    assertEquals("pod=" + to.name() + " client=" + from.ip() + "\nhi", clientless(socat(from.netns(), "TCP", to.ip())), from.name() + " -> " + to.name() + " TCP echo");
    assertEquals("pod=" + to.name() + " client=" + from.ip() + "\nhi", clientless(socat(from.netns(), "UDP", to.ip())), from.name() + " -> " + to.name() + " UDP echo");
  }

  private static void ping(String ns, String ip) {
    var r = inNsResult(ns, "ping", "-c", "2", "-i", "0.2", "-W", "2", ip);
    assertEquals(0, r.exit(), "ping " + ip + " from " + ns + ": " + r.out() + r.err());
    assertTrue(r.out().contains(" 0% packet loss"), r.out());
  }

  private static String curl(String ns, String ip) {
    return inNs(ns, "curl", "-sS", "-m", "5", "http://" + ip + "/");
  }

  private static String socat(String ns, String proto, String ip) {
    return inNs(ns, "sh", "-c", "echo hi | socat -t1 - " + proto + ":" + ip + ":7");
  }

  /** {@code [body, status code, content type]} of the agent's HTTP port, fetched with curl inside the node. */
  private static String[] curlAgent(Peer p, String path) {
    String out = inNs(p.netns(), "curl", "-sS", "-m", "5", "-w", "\n@@%{http_code} %{content_type}", "http://127.0.0.1:" + AGENT_PORT + path);
    int at = out.lastIndexOf("\n@@");
    String[] tail = out.substring(at + 3).split(" ", 2);
    return new String[] {out.substring(0, at), tail[0], tail.length > 1 ? tail[1] : ""};
  }

  /** The value of an unlabelled Prometheus sample. */
  private static double metric(String body, String name) {
    for (String l : body.lines().toList()) if (l.startsWith(name + " ")) return Double.parseDouble(l.substring(name.length() + 1).trim());
    throw new AssertionError("no metric " + name + " in:\n" + body);
  }

  private static Map<String, Long> fragCounters(String ns) {
    List<String> ip = inNs(ns, "cat", "/proc/net/snmp").lines().filter(l -> l.startsWith("Ip: ")).toList();
    String[] keys = ip.get(0).split("\\s+"), values = ip.get(1).split("\\s+");
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 1; i < keys.length; i++)
      if (keys[i].startsWith("Frag") || keys[i].startsWith("Reasm")) out.put(keys[i], Long.parseLong(values[i]));
    return out;
  }

  private List<Peer> peers() {
    List<Peer> out = new ArrayList<>();
    for (LabStatus.NodeStatus n : lab.status().nodes()) out.add(peerOf(n));
    return out;
  }

  private Peer peer(String node) {
    return peerOf(nodeStatus(node));
  }

  private static Peer peerOf(LabStatus.NodeStatus n) {
    assertNotNull(n.podCidr(), n.node().name() + " has no pod CIDR");
    String ns = n.node().netns();
    String mac = Sh.ip(ns, "link", "show", "dev", "weft.vxlan").get(0).get("address").asText();
    return new Peer(n.node().name(), ns, n.node().underlayIp(), n.podCidr(), IpPrefix.format(IpPrefix.parse(n.podCidr()).network().address()), mac);
  }

  private LabStatus.NodeStatus nodeStatus(String node) {
    return lab.status().nodes().stream().filter(n -> n.node().name().equals(node)).findFirst().orElseThrow();
  }

  /** On {@code at}: {@code route <cidr> via <gw> dev weft.vxlan onlink proto 87}, the permanent neighbour, the FDB entry. */
  private static void assertProgrammed(Peer at, Peer p) {
    JsonNode route = find(Sh.ip(at.netns(), "route", "show", "dev", "weft.vxlan"), "dst", p.podCidr());
    assertNotNull(route, at.name() + " has no route to " + p.name() + " " + p.podCidr());
    assertEquals(p.gateway(), route.path("gateway").asText(), route.toString());
    assertEquals("87", route.path("protocol").asText(), route.toString());
    assertTrue(route.path("flags").toString().contains("onlink"), route.toString());
    JsonNode neigh = find(Sh.ip(at.netns(), "neigh", "show", "dev", "weft.vxlan"), "dst", p.gateway());
    assertNotNull(neigh, at.name() + " has no neighbour " + p.gateway() + " for " + p.name());
    assertEquals(p.vtepMac(), neigh.path("lladdr").asText(), neigh.toString());
    assertTrue(neigh.path("state").toString().contains("PERMANENT"), neigh.toString());
    JsonNode fdb = find(Sh.bridge(at.netns(), "fdb", "show", "dev", "weft.vxlan"), "mac", p.vtepMac());
    assertNotNull(fdb, at.name() + " has no FDB entry for " + p.name() + " " + p.vtepMac());
    assertEquals(p.underlayIp(), fdb.path("dst").asText(), fdb.toString());
    assertEquals("permanent", fdb.path("state").asText(), fdb.toString());
  }

  private static void assertNotProgrammed(Peer at, Peer p) {
    assertNull(find(Sh.ip(at.netns(), "route", "show", "dev", "weft.vxlan"), "dst", p.podCidr()), at.name() + " still routes " + p.podCidr());
    assertNull(find(Sh.ip(at.netns(), "neigh", "show", "dev", "weft.vxlan"), "dst", p.gateway()), at.name() + " still has neighbour " + p.gateway());
    assertNull(find(Sh.bridge(at.netns(), "fdb", "show", "dev", "weft.vxlan"), "mac", p.vtepMac()), at.name() + " still has FDB " + p.vtepMac());
  }

  private static JsonNode find(JsonNode array, String field, String value) {
    for (JsonNode n : array) if (n.path(field).asText().equals(value)) return n;
    return null;
  }

  /**
   * Waits for {@code p}'s route, neighbour and FDB entry to appear ({@code added}) or go on every observer node, as
   * {@code ip monitor}/{@code bridge monitor} report it; returns the time of the last of them. The monitors come
   * in pairs (ip monitor route neigh, bridge monitor fdb) in the order of {@code observers}; extra recorders after
   * them are ignored.
   */
  private long awaitProgramming(List<LineRecorder> monitors, int[] from, List<Peer> observers, Peer p, boolean added) {
    Map<String, Long> perNode = awaitProgrammingPerNode(monitors, from, observers, p, added);
    lastPerNode = perNode;
    return perNode.values().stream().mapToLong(Long::longValue).max().orElseThrow();
  }

  /** Per observer node, from the last {@link #awaitProgramming}: when its last write for the peer showed. */
  private Map<String, Long> lastPerNode = Map.of();

  private String perNodeSince(long t0) {
    List<String> out = new ArrayList<>();
    lastPerNode.forEach((n, t) -> out.add(n + " " + (t - t0) + " ms"));
    return String.join(", ", out);
  }

  private static Map<String, Long> awaitProgrammingPerNode(List<LineRecorder> monitors, int[] from, List<Peer> observers, Peer p, boolean added) {
    String del = added ? "" : "Deleted ";
    Predicate<String> route = l -> l.startsWith(del + p.podCidr() + " ") && (!added || l.contains("dev weft.vxlan"));
    Predicate<String> neigh = l -> l.startsWith(del + p.gateway() + " dev weft.vxlan") && (!added || l.contains(p.vtepMac()));
    Predicate<String> fdb = l -> l.startsWith(del + p.vtepMac() + " dev weft.vxlan") && (!added || l.contains("dst " + p.underlayIp()));
    Map<String, Long> out = new LinkedHashMap<>(); // times may come out before etcdctl's: the agents' watches can beat it
    for (int i = 0; i < observers.size(); i++) {
      long last = Long.MIN_VALUE;
      LineRecorder ipm = monitors.get(2 * i), brm = monitors.get(2 * i + 1);
      for (var w : List.of(new Object[] {ipm, from[2 * i], route, "route"}, new Object[] {ipm, from[2 * i], neigh, "neighbour"},
          new Object[] {brm, from[2 * i + 1], fdb, "fdb entry"})) {
        LineRecorder m = (LineRecorder) w[0];
        @SuppressWarnings("unchecked") Predicate<String> match = (Predicate<String>) w[2];
        var line = m.await((int) w[1], match, Duration.ofSeconds(10));
        if (line == null)
          fail(observers.get(i).name() + ": no " + (added ? "new " : "deleted ") + w[3] + " for " + p.name() + " (" + p.podCidr() + ") within 10 s; "
              + m.what() + " saw " + m.lines().subList(Math.min((int) w[1], m.size()), m.size()));
        last = Math.max(last, line.millis());
      }
      out.put(observers.get(i).name(), last);
    }
    return out;
  }

  /** The other nodes kept their lease records all along (their agents renewed them, also after the etcd restart). */
  private static void assertOnlyChanged(LineRecorder watch, Peer p) {
    List<LineRecorder.Line> lines = watch.lines();
    List<String> others = new ArrayList<>();
    for (int i = 0; i + 1 < lines.size(); i++)
      if (lines.get(i).text().equals("DELETE") && !lines.get(i + 1).text().equals(p.leaseKey())) others.add(lines.get(i + 1).text());
    assertEquals(List.of(), others, "lease records deleted besides " + p.name() + "'s");
  }

  /** The time the etcd watch printed {@code type} (PUT/DELETE) for {@code key}, at or after line {@code from}. */
  private static long awaitEvent(LineRecorder watch, int from, String type, String key, Duration timeout) {
    long deadline = LabProbes.nowMillis() + timeout.toMillis();
    while (true) {
      List<LineRecorder.Line> lines = watch.lines();
      for (int i = from; i + 1 < lines.size(); i++)
        if (lines.get(i).text().equals(type) && lines.get(i + 1).text().equals(key)) return lines.get(i).millis();
      if (LabProbes.nowMillis() > deadline)
        throw new AssertionError("no " + type + " " + key + " within " + timeout.toSeconds() + " s; the watch saw "
            + lines.stream().map(l -> l.text().length() > 60 ? l.text().substring(0, 60) + "..." : l.text()).toList());
      LabProbes.sleep(10);
    }
  }

  /** A node that does not exist, as its lease record would describe it: a free /24, an unused underlay IP. */
  private static Peer fakePeer(List<Peer> peers) {
    Set<String> used = new HashSet<>();
    peers.forEach(p -> used.add(p.podCidr()));
    for (int i = 250; i < 256; i++) {
      String cidr = "10.244." + i + ".0/24";
      if (!used.contains(cidr)) return new Peer("node-fake", "-", "172.30.0.99", cidr, "10.244." + i + ".0", "02:00:00:00:fa:" + Integer.toHexString(i));
    }
    throw new AssertionError("no free subnet for the fake node");
  }

  /** A node's lease record shaped like the real ones (coordination.k8s.io/v1 Lease, weft.dev annotations). */
  private String fakeLeaseRecord(Peer fake) {
    try {
      ObjectNode o = (ObjectNode) JSON.readTree(etcdGet(peer("node-1").leaseKey()));
      ObjectNode meta = (ObjectNode) o.get("metadata");
      meta.put("name", fake.podCidr().replace('/', '-'));
      meta.remove("uid");
      ObjectNode ann = (ObjectNode) meta.get("annotations");
      ann.put("weft.dev/subnet", fake.podCidr());
      ann.put("weft.dev/underlay-ip", fake.underlayIp());
      ann.put("weft.dev/vtep-mac", fake.vtepMac());
      ((ObjectNode) o.get("spec")).put("holderIdentity", fake.name());
      return JSON.writeValueAsString(o);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private String etcdGet(String key) {
    return inNs(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "get", key, "--print-value-only").strip();
  }

  /** Where a restart's time went, from the last run's log lines: JVM up (underlay read), subnet held, ready. */
  private String agentStartTimes(String node) {
    try {
      List<String> lines = Files.readAllLines(paths.logsDir().resolve("agent-" + node + ".log")).stream().filter(l -> l.startsWith("20")).toList();
      int start = -1;
      for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(" underlay ")) start = i;
      if (start < 0) return "no start in the log";
      java.time.Instant up = java.time.Instant.parse(lines.get(start).split(" ")[0]);
      StringBuilder s = new StringBuilder("JVM up at " + up);
      for (String l : lines.subList(start + 1, lines.size())) {
        String[] f = l.split(" ", 3);
        if (l.contains("holding subnet") || l.contains("ready:") || l.contains("reconcile:"))
          s.append(", ").append(f[2].replaceAll(":.*|, CNI.*", "").strip()).append(" +")
              .append(Duration.between(up, java.time.Instant.parse(f[0])).toMillis()).append(" ms");
      }
      return s.toString();
    } catch (java.io.IOException | RuntimeException e) {
      return "log unreadable: " + e;
    }
  }

  /** Waits for the restarted agent (new pid) to answer /readyz 200; returns when it did. */
  private long awaitRestartedAndReady(Peer p, long oldPid, long since) {
    return awaitTrue(Duration.ofSeconds(30), p.name() + "'s agent restarted and ready", () -> {
      long pid = nodeStatus(p.name()).agentPid();
      return pid != 0 && pid != oldPid && LabProbes.httpStatus(p.netns(), p.underlayIp(), AGENT_PORT, "/readyz", 300) == 200;
    });
  }

  /** Every agent ready, etcd ready, every node programming every other (after an earlier scenario failed, say). */
  private void awaitConverged(Duration timeout) {
    awaitTrue(timeout, "the cluster converged (agents and etcd ready, every node programmed everywhere)", () -> {
      LabStatus st = lab.status();
      if (!st.supervisorAlive() || !J.bool(st.supervisor().etcd(), "ready") || !st.nodes().stream().allMatch(LabStatus.NodeStatus::ready)) return false;
      try {
        List<Peer> ps = peers();
        for (Peer p : ps) for (Peer q : ps) if (p != q) assertProgrammed(p, q);
        return true;
      } catch (AssertionError | RuntimeException e) {
        return false;
      }
    });
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static long awaitTrue(Duration timeout, String what, Check c) {
    long deadline = LabProbes.nowMillis() + timeout.toMillis();
    while (true) {
      try {
        if (c.ok()) return LabProbes.nowMillis();
      } catch (Exception e) {
        // not yet
      }
      if (LabProbes.nowMillis() > deadline) throw new AssertionError("not true after " + timeout.toSeconds() + " s: " + what);
      LabProbes.sleep(50);
    }
  }

  private static String readLine(InputStream in) throws java.io.IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c; (c = in.read()) >= 0 && c != '\n'; ) b.write(c);
    return b.toString(java.nio.charset.StandardCharsets.UTF_8);
  }


  /** The answer without the client's port (ephemeral) and trailing newline. */
  private static String clientless(String s) {
    return s.strip().replaceAll("(client=[0-9.]+):[0-9]+", "$1");
  }
}
