package dev.weft.agent.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.agent.overlay.OverlayLab.Node;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes in namespaces, one pod each, programmed by the overlay and observed with iproute2,
 * {@code ip monitor}, nft and real traffic. The tests share one lab; each one leaves the overlay
 * fully reconciled.
 */
@RootTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayKernelTest {
  private static final String DEV = OverlayConfig.DEFAULT_DEVICE;
  private static OverlayLab lab;
  private static final Map<String, OverlayReconciler> reconcilers = new HashMap<>();
  private static final Map<String, EgressMasquerade> egress = new HashMap<>();
  private static Set<OverlayPeer> all;

  @BeforeAll
  static void up() {
    lab = new OverlayLab(3, 1);
    Set<OverlayPeer> peers = new HashSet<>();
    for (Node n : lab.nodes) {
      var r = new OverlayReconciler(n.path(), n.config());
      reconcilers.put(n.name(), r);
      egress.put(n.name(), new EgressMasquerade(n.path(), n.config()));
      peers.add(r.self());
    }
    all = Set.copyOf(peers);
    for (Node n : lab.nodes) {
      ReconcileReport rep = reconcilers.get(n.name()).reconcile(all);
      assertEquals(2, rep.peers(), rep.toString());
      assertEquals(6, rep.added(), rep.toString());
      assertTrue(rep.ok(), rep.toString());
      assertTrue(egress.get(n.name()).reconcile());
    }
    for (Node n : lab.nodes) startServers(n.pods().getFirst().ns());
    startServers(lab.underlay);
  }

  /** TCP 7000 and UDP 7001 answer the client address they see; TCP 7002 echoes. */
  private static void startServers(String ns) {
    lab.spawn(ns, "socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo $SOCAT_PEERADDR");
    lab.spawn(ns, "socat", "UDP-RECVFROM:7001,fork", "SYSTEM:echo $SOCAT_PEERADDR");
    lab.spawn(ns, "socat", "TCP-LISTEN:7002,reuseaddr,fork", "EXEC:cat");
  }

  @AfterAll
  static void down() {
    reconcilers.values().forEach(OverlayReconciler::close);
    if (lab != null) lab.close();
  }

  @Test
  @Order(1)
  void kernelHoldsExactlyOneRouteNeighbourAndFdbEntryPerPeer() {
    for (Node n : lab.nodes) {
      assertOverlay(n, others(n));
      JsonNode link = Sh.ip(n.ns(), "-d", "link", "show", DEV).get(0);
      JsonNode info = link.get("linkinfo").get("info_data");
      assertEquals(1, info.get("id").asInt());
      assertEquals(4789, info.get("port").asInt());
      assertEquals(n.underlayIp(), info.get("local").asText());
      assertEquals("eth0", info.get("link").asText());
      assertFalse(info.get("learning").asBoolean());
      assertEquals(1450, link.get("mtu").asInt());
      assertEquals(VxlanDevice.vtepMac(n.name()).toString(), link.get("address").asText());
      assertTrue(flags(link.get("flags")).contains("UP"));
      JsonNode addrs = Sh.ip(n.ns(), "-4", "addr", "show", "dev", DEV).get(0).get("addr_info");
      assertEquals(1, addrs.size());
      assertEquals(n.podCidr().address().getHostAddress() + "/32", addrs.get(0).get("local").asText() + "/" + addrs.get(0).get("prefixlen").asInt());
      assertEquals("1", sysctl(n.ns(), "net/ipv4/ip_forward"));
      assertEquals("2", sysctl(n.ns(), "net/ipv4/conf/" + DEV + "/rp_filter"));
      assertEquals("1", sysctl(n.ns(), "net/bridge/bridge-nf-call-iptables"), "br_netfilter is built into this kernel");
    }
  }

  @Test
  @Order(2)
  void podsTalkAcrossNodesKeepingTheirSourceAddress() {
    String a = lab.node(1).pods().getFirst().ns();
    String aIp = lab.node(1).pods().getFirst().ip();
    for (Node remote : List.of(lab.node(2), lab.node(3))) {
      String ip = remote.pods().getFirst().ip();
      OverlayLab.exec(a, "ping", "-c", "1", "-W", "2", ip).orThrow("ping " + ip);
      assertEquals(aIp, tcpAsk(a, ip), "TCP server on " + remote.name() + " sees the client pod");
      assertEquals(aIp, udpAsk(a, ip), "UDP server on " + remote.name() + " sees the client pod");
    }
    assertEquals(lab.node(3).pods().getFirst().ip(), tcpAsk(lab.node(3).pods().getFirst().ns(), lab.node(2).pods().getFirst().ip()));
  }

  @Test
  @Order(3)
  void podEgressOutsideTheClusterIsMasqueradedToTheNode() {
    String a = lab.node(1).pods().getFirst().ns();
    assertEquals(lab.node(1).underlayIp(), tcpAsk(a, OverlayLab.EXTERNAL_IP));
    assertEquals(lab.node(1).underlayIp(), udpAsk(a, OverlayLab.EXTERNAL_IP));
    assertEquals(EgressScript.normalise(EgressScript.table(lab.node(1).config())), egress.get("node-1").listing());
  }

  @Test
  @Order(4)
  void fullMtuCrossesUnfragmentedAndOneByteMoreIsRefused() {
    String a = lab.node(1).pods().getFirst().ns();
    String b = lab.node(2).pods().getFirst().ip();
    int payload = 1450 - 28; // vxlan MTU minus IPv4 and ICMP headers
    long reasm = snmp(lab.node(2).ns(), "ReasmReqds"), frag = snmp(lab.node(1).ns(), "FragCreates");
    OverlayLab.exec(a, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-M", "do", "-s", String.valueOf(payload), b).orThrow("full-size ping");
    assertEquals(reasm, snmp(lab.node(2).ns(), "ReasmReqds"), "the receiving node reassembled nothing");
    assertEquals(frag, snmp(lab.node(1).ns(), "FragCreates"), "the sending node fragmented nothing");
    var tooBig = OverlayLab.exec(a, "ping", "-c", "1", "-W", "2", "-M", "do", "-s", String.valueOf(payload + 1), b);
    assertNotEquals(0, tooBig.exit());
    assertTrue((tooBig.out() + tooBig.err()).contains("message too long"), tooBig.out() + tooBig.err());
    // from the node itself (route via the vxlan device, MTU 1450): same limit
    var fromNode = OverlayLab.exec(lab.node(1).ns(), "ping", "-c", "1", "-W", "2", "-M", "do", "-s", String.valueOf(payload + 1), b);
    assertTrue((fromNode.out() + fromNode.err()).contains("message too long"), fromNode.out() + fromNode.err());
    OverlayLab.exec(lab.node(1).ns(), "ping", "-c", "1", "-W", "2", "-M", "do", "-s", String.valueOf(payload), b).orThrow("node full-size ping");
  }

  @Test
  @Order(5)
  void aSecondReconcileWritesNothing() {
    for (Node n : lab.nodes) {
      ReconcileReport[] rep = new ReconcileReport[1];
      List<String> events = KernelEvents.during(n.ns(), DEV, () -> rep[0] = reconcilers.get(n.name()).reconcile(all));
      assertEquals(List.of(), events);
      assertEquals(0, rep[0].writes(), rep[0].toString());
      assertFalse(egress.get(n.name()).reconcile(), "egress table already right");
    }
  }

  @Test
  @Order(6)
  void aRestartedAgentWritesNothingAndAnOpenTcpConnectionSurvives() throws Exception {
    String a = lab.node(1).pods().getFirst().ns();
    Process client = lab.spawn(a, "socat", "-", "TCP:" + lab.node(2).pods().getFirst().ip() + ":7002");
    OutputStream out = client.getOutputStream();
    var in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("before", echo(out, in, "before"));
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    var echoed = new java.util.concurrent.atomic.AtomicInteger();
    var broken = new java.util.concurrent.atomic.AtomicReference<Throwable>();
    Thread stream = Thread.ofPlatform().start(() -> { // continuous request/response traffic across the restart
      try {
        while (!stop.get()) {
          String line = "line " + echoed.get();
          if (!line.equals(echo(out, in, line))) throw new AssertionError("stream broken at " + line);
          echoed.incrementAndGet();
          Thread.sleep(5);
        }
      } catch (Throwable e) {
        broken.set(e);
      }
    });
    ReconcileReport[] rep = new ReconcileReport[2];
    List<String> events = KernelEvents.during(lab.node(1).ns(), DEV, () -> {
      for (int i = 0; i < 2; i++) {
        Node n = lab.node(i + 1);
        reconcilers.remove(n.name()); // the old agent is gone without closing anything, like after SIGKILL
        var fresh = new OverlayReconciler(n.path(), n.config());
        reconcilers.put(n.name(), fresh);
        rep[i] = fresh.reconcile(all);
        assertFalse(new EgressMasquerade(n.path(), n.config()).reconcile());
      }
    });
    stop.set(true);
    stream.join(10_000);
    assertEquals(null, broken.get());
    assertTrue(echoed.get() > 0);
    assertEquals(List.of(), events);
    assertEquals(0, rep[0].writes(), rep[0].toString());
    assertEquals(0, rep[1].writes(), rep[1].toString());
    assertEquals("after", echo(out, in, "after"));
    client.destroy();
  }

  @Test
  @Order(7)
  void driftIsRepairedExactlyAndNothingElseIsTouched() {
    Node n = lab.node(1);
    String ns = n.ns();
    OverlayPeer p2 = reconcilers.get("node-2").self(), p3 = reconcilers.get("node-3").self();
    OverlayLab.batch(ns,
        "route del 10.244.2.0/24",
        "neigh replace 10.244.3.0 lladdr 02:de:ad:be:ef:01 dev " + DEV + " nud permanent",
        "route add 10.99.0.0/24 via " + OverlayLab.EXTERNAL_IP + " dev eth0",
        "route add 10.98.0.0/24 via " + OverlayLab.EXTERNAL_IP + " dev eth0 proto 87",
        "neigh add 192.168.77.55 lladdr 02:00:00:00:00:55 dev eth0 nud permanent");
    Sh.run("bridge", "-n", ns, "fdb", "append", "02:de:ad:be:ef:02", "dst", "192.168.77.99", "dev", DEV);
    Sh.run("bridge", "-n", ns, "fdb", "append", "00:00:00:00:00:00", "dst", "192.168.77.97", "dev", DEV);
    Sh.run("bridge", "-n", ns, "fdb", "replace", p2.vtepMac().toString(), "dst", "192.168.77.98", "dev", DEV);
    ReconcileReport[] rep = new ReconcileReport[1];
    List<String> events = KernelEvents.during(ns, DEV, () -> rep[0] = reconcilers.get(n.name()).reconcile(all));
    assertEquals(1, rep[0].added(), rep[0].toString());
    assertEquals(2, rep[0].changed(), rep[0].toString());
    assertEquals(2, rep[0].removed(), rep[0].toString());
    assertEquals(0, rep[0].setup().size(), rep[0].toString());
    assertEquals(new TreeSet<>(List.of(
        "10.244.2.0/24 via 10.244.2.0 dev " + DEV + " proto 87 onlink",
        "10.244.3.0 dev " + DEV + " lladdr " + p3.vtepMac() + " PERMANENT",
        "Deleted 192.168.77.99 dev " + DEV + " lladdr 02:de:ad:be:ef:02 NOARP PERMANENT",
        "192.168.77.2 dev " + DEV + " lladdr " + p2.vtepMac() + " NOARP PERMANENT",
        "Deleted 192.168.77.97 dev " + DEV + " lladdr 00:00:00:00:00:00 NOARP PERMANENT")), new TreeSet<>(events));
    assertOverlay(n, others(n));
    assertEquals(1, Sh.ip(ns, "route", "show", "10.99.0.0/24").size(), "a foreign route stays");
    assertEquals(1, Sh.ip(ns, "route", "show", "10.98.0.0/24").size(), "a proto 87 route on another device stays");
    assertEquals(1, Sh.ip(ns, "neigh", "show", "192.168.77.55", "dev", "eth0").size(), "a neighbour on another device stays");
    OverlayLab.batch(ns, "route del 10.99.0.0/24", "route del 10.98.0.0/24", "neigh del 192.168.77.55 dev eth0");
  }

  @Test
  @Order(8)
  void aPeerLeavingIsRemovedAndJoiningIsProgrammed() {
    Node n = lab.node(1);
    OverlayPeer p3 = reconcilers.get("node-3").self();
    Set<OverlayPeer> without3 = all.stream().filter(p -> !p.equals(p3)).collect(Collectors.toSet());
    ReconcileReport left = reconcilers.get(n.name()).reconcile(without3);
    assertEquals(3, left.removed(), left.toString());
    assertEquals(0, left.added() + left.changed(), left.toString());
    assertOverlay(n, List.of(lab.node(2)));
    assertNotEquals(0, OverlayLab.exec(n.pods().getFirst().ns(), "ping", "-c", "1", "-W", "1", lab.node(3).pods().getFirst().ip()).exit());
    ReconcileReport joined = reconcilers.get(n.name()).reconcile(all);
    assertEquals(3, joined.added(), joined.toString());
    assertEquals(0, joined.removed() + joined.changed(), joined.toString());
    assertOverlay(n, others(n));
    OverlayLab.exec(n.pods().getFirst().ns(), "ping", "-c", "1", "-W", "2", lab.node(3).pods().getFirst().ip()).orThrow("ping after join");
  }

  @Test
  @Order(9)
  void aDeviceWithWrongSettingsIsFixedOrReplaced() {
    Node n = lab.node(3);
    OverlayLab.batch(n.ns(), "link set " + DEV + " mtu 1400", "link set " + DEV + " address 02:00:00:00:00:01");
    ReconcileReport fixed = reconcilers.get(n.name()).reconcile(all);
    assertEquals(2, fixed.setup().size(), fixed.toString() + fixed.setup());
    // a MAC change makes the kernel flush the device's neighbours (permanent ones too): put back
    assertEquals(2, fixed.added(), fixed.toString());
    assertOverlay(n, others(n));
    assertEquals(1450, Sh.ip(n.ns(), "link", "show", DEV).get(0).get("mtu").asInt());

    OverlayLab.batch(n.ns(), "link del " + DEV,
        "link add " + DEV + " type vxlan id 2 local " + n.underlayIp() + " dev eth0 dstport 4789 nolearning",
        "link set " + DEV + " up");
    ReconcileReport replaced = reconcilers.get(n.name()).reconcile(all);
    assertTrue(replaced.setup().getFirst().startsWith("delete device " + DEV + " (vni 2, want 1)"), replaced.setup().toString());
    assertEquals(6, replaced.added(), replaced.toString());
    assertOverlay(n, others(n));
    assertEquals(1, Sh.ip(n.ns(), "-d", "link", "show", DEV).get(0).get("linkinfo").get("info_data").get("id").asInt());
    assertEquals(lab.node(3).pods().getFirst().ip(), tcpAsk(n.pods().getFirst().ns(), lab.node(1).pods().getFirst().ip()));
  }

  @Test
  @Order(10)
  void theEgressTableIsRecreatedWhenFlushedOrDeleted() {
    Node n = lab.node(2);
    EgressMasquerade e = egress.get(n.name());
    Sh.run("ip", "netns", "exec", n.ns(), "nft", "flush", "table", "inet", EgressScript.TABLE);
    assertTrue(e.reconcile());
    assertFalse(e.reconcile());
    Sh.run("ip", "netns", "exec", n.ns(), "nft", "delete", "table", "inet", EgressScript.TABLE);
    assertTrue(e.reconcile());
    assertFalse(e.reconcile());
    assertEquals(n.underlayIp(), tcpAsk(n.pods().getFirst().ns(), OverlayLab.EXTERNAL_IP));
  }

  @Test
  @Order(11)
  void anAgentRunningInsideTheNodeNamespaceSeesTheSameState() {
    Node n = lab.node(2);
    List<String> events = KernelEvents.during(n.ns(), DEV, () -> NetNs.run(n.path(), () -> {
      try (var r = new OverlayReconciler(null, n.config())) { // netns null: the calling thread's, as under `ip netns exec`
        assertEquals(reconcilers.get(n.name()).self(), r.self());
        ReconcileReport rep = r.reconcile(all);
        assertEquals(0, rep.writes(), rep.toString());
        assertFalse(new EgressMasquerade(null, n.config()).reconcile());
      }
    }));
    assertEquals(List.of(), events);
  }

  // ------------------------------------------------------------------------------- observers

  /** Exactly the peers' routes, permanent neighbours and FDB entries on the device, read with iproute2. */
  private static void assertOverlay(Node n, List<Node> peers) {
    Set<String> routes = new TreeSet<>(), neigh = new TreeSet<>(), fdb = new TreeSet<>();
    Set<String> wantRoutes = new TreeSet<>(), wantNeigh = new TreeSet<>(), wantFdb = new TreeSet<>();
    for (Node p : peers) {
      String gw = p.podCidr().address().getHostAddress();
      String mac = VxlanDevice.vtepMac(p.name()).toString();
      wantRoutes.add(p.podCidr() + " via " + gw + " proto 87 [onlink]");
      wantNeigh.add(gw + " lladdr " + mac + " [PERMANENT]");
      wantFdb.add(mac + " dst " + p.underlayIp() + " [self] permanent");
    }
    for (JsonNode r : Sh.ip(n.ns(), "-4", "route", "show", "dev", DEV))
      routes.add(r.get("dst").asText() + " via " + r.path("gateway").asText() + " proto " + r.path("protocol").asText() + " " + flags(r.get("flags")));
    for (JsonNode e : Sh.ip(n.ns(), "-4", "neigh", "show", "dev", DEV, "nud", "permanent"))
      neigh.add(e.get("dst").asText() + " lladdr " + e.path("lladdr").asText() + " " + flags(e.get("state")));
    for (JsonNode e : Sh.bridge(n.ns(), "fdb", "show", "dev", DEV))
      fdb.add(e.get("mac").asText() + " dst " + e.path("dst").asText() + " " + flags(e.get("flags")) + " " + e.path("state").asText());
    assertEquals(wantRoutes, routes, n.name() + " routes");
    assertEquals(wantNeigh, neigh, n.name() + " neighbours");
    assertEquals(wantFdb, fdb, n.name() + " fdb");
  }

  private static List<Node> others(Node n) {
    return lab.nodes.stream().filter(o -> o != n).toList();
  }

  private static String flags(JsonNode a) {
    if (a == null) return "[]";
    List<String> s = new java.util.ArrayList<>();
    a.forEach(x -> s.add(x.asText()));
    return s.toString();
  }

  private static String tcpAsk(String ns, String ip) {
    for (int i = 0; ; i++) {
      var r = OverlayLab.exec(ns, "socat", "-T", "3", "-", "TCP:" + ip + ":7000,connect-timeout=3");
      if (r.exit() == 0 && !r.out().isBlank()) return r.out().strip();
      if (i == 10) throw new AssertionError("TCP to " + ip + " from " + ns + ": " + r.out() + r.err());
      sleep(200);
    }
  }

  private static String udpAsk(String ns, String ip) {
    for (int i = 0; ; i++) {
      var r = Sh.exec(Map.of(), "x\n".getBytes(StandardCharsets.UTF_8),
          List.of("ip", "netns", "exec", ns, "socat", "-T", "1", "-", "UDP:" + ip + ":7001"));
      if (r.exit() == 0 && !r.out().isBlank()) return r.out().strip();
      if (i == 10) throw new AssertionError("UDP to " + ip + " from " + ns + ": " + r.out() + r.err());
      sleep(200);
    }
  }

  private static String echo(OutputStream out, BufferedReader in, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    return in.readLine();
  }

  private static String sysctl(String ns, String key) {
    return Sh.run("ip", "netns", "exec", ns, "cat", "/proc/sys/" + key).strip();
  }

  /** A counter of the "Ip:" lines of /proc/net/snmp in the namespace. */
  private static long snmp(String ns, String field) {
    List<String> ip = Sh.run("ip", "netns", "exec", ns, "cat", "/proc/net/snmp").lines().filter(l -> l.startsWith("Ip:")).toList();
    List<String> names = List.of(ip.get(0).split("\\s+")), values = List.of(ip.get(1).split("\\s+"));
    return Long.parseLong(values.get(names.indexOf(field)));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
