package dev.weft.proxy.iptables;

import static dev.weft.proxy.testing.Models.sctp;
import static dev.weft.proxy.testing.Models.tcp;
import static dev.weft.proxy.testing.Models.udp;
import static dev.weft.proxy.testing.ServiceTopology.EXT_IP;
import static dev.weft.proxy.testing.ServiceTopology.GW1;
import static dev.weft.proxy.testing.ServiceTopology.NODE2_NAME;
import static dev.weft.proxy.testing.ServiceTopology.NODE_CONTEXT;
import static dev.weft.proxy.testing.ServiceTopology.NODE_IP;
import static dev.weft.proxy.testing.ServiceTopology.NODE_NAME;
import static dev.weft.proxy.testing.ServiceTopology.POD_A;
import static dev.weft.proxy.testing.ServiceTopology.POD_B;
import static dev.weft.proxy.testing.ServiceTopology.POD_C;
import static dev.weft.proxy.testing.ServiceTopology.POD_D;
import static dev.weft.proxy.testing.ServiceTopology.seenFrom;
import static dev.weft.proxy.testing.ServiceTopology.who;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.testing.Models;
import dev.weft.proxy.testing.ServiceTopology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The iptables backend with real traffic in {@link ServiceTopology}'s namespaces (the same
 * behaviours the nftables backend's kernel tests check). One topology for the class; each test
 * starts from a node with no proxy rules and an empty conntrack table. Observers: the pods' answers
 * ("pod-b 10.244.1.2": who answered, whom it saw) and {@code iptables-save -c} in the node.
 */
@RootTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IptablesKernelTest {
  static final String VIP = "10.96.0.10", VIP2 = "10.96.0.11", LB_IP = "203.0.113.10", EXTERNAL_IP = "198.51.100.7";
  ServiceTopology t;
  IptablesProxyBackend backend;

  @BeforeAll
  void topology() {
    t = new ServiceTopology();
    // a real node has a default route: without one, a packet to a ClusterIP with no endpoint (not
    // DNAT'd) would be answered "network unreachable" by routing before the filter rules see it
    ServiceTopology.ip(t.node, "route replace default via " + EXT_IP);
  }

  @AfterAll
  void tearDown() {
    if (t != null) t.close();
  }

  @BeforeEach
  void fresh() {
    backend = new IptablesProxyBackend(t.nodeNetns());
    backend.removeAll();
    t.flushConntrack();
  }

  @AfterEach
  void clean() {
    backend.removeAll();
  }

  SyncResult sync(Models.Svc... services) {
    return backend.sync(Models.of(services), NODE_CONTEXT);
  }

  String save() {
    return ServiceTopology.inOrThrow(t.node, "iptables-save", "-c");
  }

  // ---- reachability ----

  @Test
  void clusterIpFromAPodTcpUdpSctp() {
    List<Models.Svc> svcs = new java.util.ArrayList<>(List.of(
        tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME).ready(POD_D, 80, NODE2_NAME),
        udp("default/web:dns", VIP, 53).ready(POD_B, 5353, NODE_NAME)));
    if (t.sctp) svcs.add(sctp("default/web:sctp", VIP, 9).ready(POD_C, 80, NODE_NAME));
    SyncResult r = backend.sync(Models.of(svcs), NODE_CONTEXT);
    assertTrue(r.full());
    assertEquals(svcs.size(), r.servicesWritten());

    String a = ServiceTopology.tcp(t.pod("pod-a"), VIP, 80);
    assertTrue(Set.of("pod-b", "pod-d").contains(who(a)), a);
    assertEquals(POD_A, seenFrom(a), "pod to ClusterIP keeps its source");
    String u = ServiceTopology.udp(t.pod("pod-a"), VIP, 53, 0);
    assertEquals("pod-b/5353 " + POD_A, u);
    if (t.sctp) assertEquals("pod-c " + POD_A, ServiceTopology.sctp(t.pod("pod-a"), VIP, 9));
    // from the node itself (OUTPUT): masqueraded, it is not in the cluster CIDR
    String n = ServiceTopology.tcp(t.node, VIP, 80);
    assertTrue(Set.of("pod-b", "pod-d").contains(who(n)), n);
    assertNotEquals(POD_A, seenFrom(n));
    // from outside the cluster CIDR via a route to the service range: masqueraded
    ServiceTopology.ip(t.ext, "route add 10.96.0.0/12 via " + NODE_IP);
    try {
      String e = ServiceTopology.tcp(t.ext, VIP, 80);
      assertTrue(Set.of("pod-b", "pod-d").contains(who(e)), e);
      assertNotEquals(EXT_IP, seenFrom(e), "ClusterIP traffic from outside the cluster CIDR is masqueraded");
    } finally {
      ServiceTopology.ip(t.ext, "route del 10.96.0.0/12 via " + NODE_IP);
    }
  }

  @Test
  void nodePortExternalIpAndLoadBalancerFromOutside() {
    sync(tcp("default/web:http", VIP, 80).nodePort(30080).externalIp(EXTERNAL_IP).loadBalancerIp(LB_IP).ready(POD_B, 80, NODE_NAME));
    for (String dst : List.of(NODE_IP, ServiceTopology.NODE_IP_2)) {
      String a = ServiceTopology.tcp(t.ext, dst, 30080);
      assertEquals("pod-b", who(a), dst + ": " + a);
      assertNotEquals(EXT_IP, seenFrom(a), "externalTrafficPolicy Cluster masquerades");
    }
    assertEquals("pod-b", who(ServiceTopology.tcp(t.ext, EXTERNAL_IP, 80)));
    assertEquals("pod-b", who(ServiceTopology.tcp(t.ext, LB_IP, 80)));
    // a pod through the node's address and through the LB IP
    assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), NODE_IP, 30080)));
    assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), LB_IP, 80)));
    // not on loopback (route_localnet stays off)
    assertEquals("", ServiceTopology.tcpAttempt(t.node, "127.0.0.1", 30080, 1).out());
  }

  @Test
  void severalPortsOfOneService() {
    sync(tcp("default/multi:http", VIP, 80).ready(POD_B, 80, NODE_NAME),
        tcp("default/multi:alt", VIP, 8080).ready(POD_B, 8080, NODE_NAME),
        udp("default/multi:dns", VIP, 53).ready(POD_B, 5353, NODE_NAME));
    assertEquals("pod-b " + POD_A, ServiceTopology.tcp(t.pod("pod-a"), VIP, 80));
    assertEquals("pod-b/8080 " + POD_A, ServiceTopology.tcp(t.pod("pod-a"), VIP, 8080));
    assertEquals("pod-b/5353 " + POD_A, ServiceTopology.udp(t.pod("pod-a"), VIP, 53, 0));
  }

  @Test
  void balancesAcrossEndpoints() {
    sync(tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME).ready(POD_C, 80, NODE_NAME).ready(POD_D, 80, NODE2_NAME));
    Map<String, Long> hits = ServiceTopology.tcpMany(t.pod("pod-a"), VIP, 80, 60).stream()
        .collect(Collectors.groupingBy(ServiceTopology::who, TreeMap::new, Collectors.counting()));
    assertEquals(Set.of("pod-b", "pod-c", "pod-d"), hits.keySet(), hits.toString());
    for (long n : hits.values()) assertTrue(n >= 5, "1/3 each, roughly: " + hits);
  }

  @Test
  void terminatingEndpointsOnlyWhenNoneIsReady() {
    sync(tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME).terminating(POD_C, 80, NODE_NAME));
    assertEquals(Set.of("pod-b"), answers(t.pod("pod-a"), VIP, 80, 10));
    sync(tcp("default/web:http", VIP, 80).terminating(POD_C, 80, NODE_NAME).notReady(POD_B, 80, NODE_NAME));
    assertEquals(Set.of("pod-c"), answers(t.pod("pod-a"), VIP, 80, 10));
  }

  @Test
  void clientIpAffinity() {
    sync(tcp("default/web:http", VIP, 80).affinity(Duration.ofSeconds(60))
        .ready(POD_B, 80, NODE_NAME).ready(POD_C, 80, NODE_NAME).ready(POD_D, 80, NODE2_NAME));
    assertEquals(1, answers(t.pod("pod-a"), VIP, 80, 20).size(), "one client, one endpoint");
    Set<String> fromExt = answers(t.pod("pod-b"), VIP, 80, 10);
    assertEquals(1, fromExt.size(), "another client sticks too: " + fromExt);
  }

  // ---- traffic policies ----

  @Test
  void externalTrafficPolicyLocalKeepsTheClientAddress() {
    sync(tcp("default/local:http", VIP, 80).nodePort(30081).loadBalancerIp(LB_IP).externalLocal()
            .ready(POD_B, 80, NODE_NAME).ready(POD_D, 80, NODE2_NAME),
        tcp("default/remote:http", VIP2, 80).nodePort(30082).externalLocal().ready(POD_D, 80, NODE2_NAME));
    for (int i = 0; i < 6; i++) assertEquals("pod-b " + EXT_IP, ServiceTopology.tcp(t.ext, NODE_IP, 30081), "only the local endpoint, source kept");
    assertEquals("pod-b " + EXT_IP, ServiceTopology.tcp(t.ext, LB_IP, 80));
    // pods are not subject to the policy: they reach every endpoint
    assertTrue(answers(t.pod("pod-a"), NODE_IP, 30081, 20).contains("pod-d"));
    // no local endpoint: outsiders are dropped (not refused), pods still get through
    ServiceTopology.Attempt dropped = ServiceTopology.tcpAttempt(t.ext, NODE_IP, 30082, 1);
    assertEquals("", dropped.out());
    assertFalse(dropped.refused(), "dropped, not rejected: " + dropped);
    assertEquals("pod-d", who(ServiceTopology.tcp(t.pod("pod-a"), NODE_IP, 30082)));
    assertTrue(packets(save(), "WEFT-EXTERNAL-SERVICES", "--dport 30082 -j DROP") >= 1, "the filter rule dropped it");
  }

  @Test
  void internalTrafficPolicyLocal() {
    sync(tcp("default/itp:http", VIP, 80).internalLocal().ready(POD_C, 80, NODE_NAME).ready(POD_D, 80, NODE2_NAME),
        tcp("default/itp-remote:http", VIP2, 80).internalLocal().ready(POD_D, 80, NODE2_NAME));
    assertEquals(Set.of("pod-c"), answers(t.pod("pod-a"), VIP, 80, 10));
    ServiceTopology.Attempt a = ServiceTopology.tcpAttempt(t.pod("pod-a"), VIP2, 80, 1);
    assertEquals("", a.out());
    assertFalse(a.refused(), "no local endpoint: dropped, " + a);
  }

  // ---- hairpin, no endpoints ----

  @Test
  void hairpinLandsOnItselfMasqueraded() {
    sync(tcp("default/self:http", VIP, 80).ready(POD_A, 80, NODE_NAME), udp("default/self:dns", VIP, 53).ready(POD_A, 5353, NODE_NAME));
    assertEquals("pod-a " + GW1, ServiceTopology.tcp(t.pod("pod-a"), VIP, 80), "the pod sees the node's bridge address, not itself");
    assertEquals("pod-a/5353 " + GW1, ServiceTopology.udp(t.pod("pod-a"), VIP, 53, 0));
  }

  @Test
  void noEndpointsIsRefusedAtOnce() {
    sync(tcp("default/empty:http", VIP, 80).nodePort(30083), udp("default/empty:dns", VIP, 53));
    ServiceTopology.Attempt a = ServiceTopology.tcpAttempt(t.pod("pod-a"), VIP, 80, 3);
    assertTrue(a.refused(), a.toString());
    assertTrue(a.millis() < 1500, "refused at once, took " + a.millis() + " ms");
    ServiceTopology.Attempt n = ServiceTopology.tcpAttempt(t.ext, NODE_IP, 30083, 3);
    assertTrue(n.refused() && n.millis() < 1500, n.toString());
    ServiceTopology.Attempt self = ServiceTopology.tcpAttempt(t.node, VIP, 80, 3);
    assertTrue(self.refused() && self.millis() < 1500, "from the node: " + self);
    long t0 = System.nanoTime();
    Sh.Result u = Sh.exec(null, "ping\n".getBytes(), List.of("ip", "netns", "exec", t.pod("pod-a"), "socat", "-t2", "-T2", "-", "UDP4:" + VIP + ":53"));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(u.err().contains("Connection refused"), "ICMP port unreachable: " + u.err());
    assertTrue(ms < 1500, "UDP refused at once, took " + ms + " ms");
  }

  // ---- UDP conntrack ----

  @Test
  void removedUdpEndpointIsReportedAndItsConntrackEntriesCleared() {
    sync(udp("default/dns:dns", VIP, 53).ready(POD_B, 5353, NODE_NAME));
    try (var stream = new ServiceTopology.UdpStream(t.pod("pod-a"), VIP, 53, 41000, 100)) {
      awaitAnswer(stream, "pod-b/5353");
      SyncResult r = sync(udp("default/dns:dns", VIP, 53).ready(POD_C, 5353, NODE_NAME));
      assertFalse(r.full());
      ServicePortName id = Models.name("default/dns:dns", dev.weft.proxy.model.Protocol.UDP);
      assertEquals(Map.of(id, List.of(new Endpoint(Models.addr(POD_B), 5353, NODE_NAME, true, true, false))), r.removedUdpEndpoints());
      // the entry still points at pod-b: the rules only apply to new flows
      ServiceTopology.sleep(300);
      assertTrue(stream.last().startsWith("pod-b/5353"), stream.last());
      clearConntrack(r.removedUdpEndpoints());
      awaitAnswer(stream, "pod-c/5353");
    }
  }

  /** What the controller's conntrack hook does (kube-proxy's ClearEntriesForNAT): flows to the service DNAT'd to a gone endpoint. */
  void clearConntrack(Map<ServicePortName, List<Endpoint>> removed) {
    removed.forEach((id, eps) -> {
      for (Endpoint e : eps)
        ServiceTopology.in(t.node, "conntrack", "-D", "-p", "udp", "--orig-dst", VIP, "--reply-src", e.ip().getHostAddress());
    });
  }

  static void awaitAnswer(ServiceTopology.UdpStream s, String who) {
    for (int i = 0; i < 100; i++) {
      if (s.last().startsWith(who)) return;
      ServiceTopology.sleep(50);
    }
    throw new AssertionError("no answer from " + who + ", last: " + s.last());
  }

  // ---- syncs ----

  @Test
  void partialSyncRewritesOnlyTheChangedService() {
    Models.Svc web = tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME);
    SyncResult first = sync(web, tcp("default/other:http", VIP2, 80).ready(POD_C, 80, NODE_NAME));
    assertTrue(first.full());
    for (int i = 0; i < 3; i++) assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), VIP, 80)));
    String webSep = ChainNames.sep(web.id(), web.build().id() == null ? null : new Endpoint(Models.addr(POD_B), 80, NODE_NAME, true, true, false));
    long before = packets(save(), webSep, "DNAT");
    assertTrue(before >= 3, "web's DNAT rule counted its connections: " + before);
    String otherBefore = chain(save(), ChainNames.svc(Models.name("default/other:http", dev.weft.proxy.model.Protocol.TCP)));

    SyncResult second = sync(web, tcp("default/other:http", VIP2, 80).ready(POD_D, 80, NODE2_NAME));
    assertFalse(second.full());
    assertEquals(1, second.servicesWritten());
    String after = save();
    assertEquals(before, packets(after, webSep, "DNAT"), "web's chains were not touched: their counters survive");
    assertNotEquals(otherBefore, chain(after, ChainNames.svc(Models.name("default/other:http", dev.weft.proxy.model.Protocol.TCP))));
    assertFalse(after.contains(ChainNames.sep(Models.name("default/other:http", dev.weft.proxy.model.Protocol.TCP),
        new Endpoint(Models.addr(POD_C), 80, NODE_NAME, true, true, false))), "the gone endpoint's chain is deleted");
    assertEquals("pod-d", who(ServiceTopology.tcp(t.pod("pod-a"), VIP2, 80)));
    assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), VIP, 80)));

    // a removed service's chains go too
    SyncResult third = sync(web);
    assertFalse(third.full());
    assertFalse(save().contains("default/other:http"), save());
  }

  @Test
  void driftLeadsToAFullSync() {
    Models.Svc web = tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME);
    sync(web);
    assertFalse(sync(web).full(), "nothing changed: partial");
    // someone flushes the nat table: the partial transaction's checks fail, nothing half-applied
    ServiceTopology.inOrThrow(t.node, "iptables", "-w", "-t", "nat", "-F");
    assertEquals("", ServiceTopology.tcpAttempt(t.pod("pod-a"), VIP, 80, 1).out());
    SyncResult r = sync(web);
    assertTrue(r.full(), "drift detected");
    assertTrue(backend.lastDrift() != null && !backend.lastDrift().isEmpty());
    assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), VIP, 80)));
    // a deleted service chain (its jump gone too) is found the same way
    String svc = ChainNames.svc(web.id());
    ServiceTopology.inOrThrow(t.node, "sh", "-c", "iptables-save -t nat | grep -v -- '-j " + svc + "$' | grep -v '^:" + svc + " ' | grep -v '^-A " + svc + " ' | iptables-restore -w");
    assertTrue(sync(web).full());
    assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), VIP, 80)));
    // exactly one jump from each built-in chain, however many full syncs ran
    backend.invalidate();
    assertTrue(sync(web).full());
    assertEquals(1, count(save(), "-A PREROUTING -m comment --comment \"weft service portals\" -j WEFT-SERVICES"));
    assertEquals(1, count(save(), "-A FORWARD -m comment --comment \"weft forwarding rules\" -j WEFT-FORWARD"));
  }

  @Test
  void removeAllLeavesNothingButOthersRules() {
    // a host-nat-like chain and jump that must survive
    ServiceTopology.inOrThrow(t.node, "sh", "-c", "iptables -w -t nat -N WEFT-HOSTPORT-DNAT && iptables -w -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j WEFT-HOSTPORT-DNAT");
    try {
      sync(tcp("default/web:http", VIP, 80).nodePort(30080).affinity(Duration.ofSeconds(30)).ready(POD_B, 80, NODE_NAME),
          tcp("default/empty:http", VIP2, 80));
      assertTrue(save().contains("WEFT-SEP-"));
      backend.removeAll();
      String s = save();
      assertFalse(Pattern.compile("WEFT-(?!HOSTPORT)").matcher(s).find(), s);
      assertTrue(s.contains("-j WEFT-HOSTPORT-DNAT"), s);
      assertEquals("", ServiceTopology.tcpAttempt(t.pod("pod-a"), VIP, 80, 1).out());
      backend.removeAll(); // idempotent
      // and the next sync starts over in full
      assertTrue(sync(tcp("default/web:http", VIP, 80).ready(POD_B, 80, NODE_NAME)).full());
      assertEquals("pod-b", who(ServiceTopology.tcp(t.pod("pod-a"), VIP, 80)));
    } finally {
      ServiceTopology.in(t.node, "sh", "-c", "iptables -w -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j WEFT-HOSTPORT-DNAT; iptables -w -t nat -X WEFT-HOSTPORT-DNAT");
    }
  }

  // ---- helpers ----

  /** Who answered {@code n} connections. */
  static Set<String> answers(String ns, String addr, int port, int n) {
    return ServiceTopology.tcpMany(ns, addr, port, n).stream().map(ServiceTopology::who).collect(Collectors.toSet());
  }

  /** The packet counter of the first rule in {@code chain} whose text contains {@code marker}. */
  static long packets(String save, String chain, String marker) {
    Matcher m = Pattern.compile("^\\[(\\d+):\\d+\\] -A " + Pattern.quote(chain) + " .*" + Pattern.quote(marker) + ".*$", Pattern.MULTILINE).matcher(save);
    if (!m.find()) throw new AssertionError("no rule with " + marker + " in " + chain + ":\n" + save);
    return Long.parseLong(m.group(1));
  }

  /** The chain's rules, without counters. */
  static String chain(String save, String chain) {
    return save.lines().filter(l -> l.contains("-A " + chain + " ")).map(l -> l.replaceFirst("^\\[\\d+:\\d+\\] ", "")).collect(Collectors.joining("\n"));
  }

  static long count(String save, String rule) {
    return save.lines().filter(l -> l.replaceFirst("^\\[\\d+:\\d+\\] ", "").equals(rule)).count();
  }
}
