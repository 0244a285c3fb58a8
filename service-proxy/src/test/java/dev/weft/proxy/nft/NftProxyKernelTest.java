package dev.weft.proxy.nft;

import static dev.weft.proxy.testing.Models.name;
import static dev.weft.proxy.testing.Models.of;
import dev.weft.proxy.testing.Models;
import static dev.weft.proxy.testing.ServiceTopology.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.proxy.ConntrackCleaner;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.testing.ServiceTopology;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The nftables backend against a real kernel: traffic through {@link ServiceTopology} (node-1 with
 * pod-a/b/c, node-2 with pod-d, ext outside), observed by the answering pods, {@code nft -j} and
 * conntrack. One topology for the class; each test syncs its own model into node-1.
 */
@RootTest
class NftProxyKernelTest {
  static ServiceTopology t;
  static NftProxyBackend proxy;
  static final String N1 = NODE_NAME, N2 = NODE2_NAME;

  @BeforeAll
  static void up() {
    t = new ServiceTopology();
    proxy = new NftProxyBackend(t.nodeNetns());
  }

  @AfterAll
  static void down() {
    if (proxy != null) proxy.removeAll();
    if (t != null) t.close();
  }

  @AfterEach
  void forgetConnections() {
    t.flushConntrack();
  }

  static SyncResult sync(ProxyModel m) {
    return proxy.sync(m, NODE_CONTEXT);
  }

  static Map<String, Long> spread(List<String> answers) {
    return answers.stream().collect(Collectors.groupingBy(a -> a.isEmpty() ? "<none>" : who(a), Collectors.counting()));
  }

  @Test
  void clusterIpFromPodsAndTheNode() {
    sync(of(Models.tcp("default/web:", "10.96.0.10", 80).ready(POD_B, 80, N1),
        Models.udp("default/dns:", "10.96.0.53", 53).ready(POD_B, 80, N1),
        Models.tcp("default/far:", "10.96.0.11", 80).ready(POD_D, 80, N2)));
    assertEquals("pod-b " + POD_A, tcp(t.pod("pod-a"), "10.96.0.10", 80), "pod-originated: source kept");
    assertEquals("pod-b " + POD_A, udp(t.pod("pod-a"), "10.96.0.53", 53, 0));
    assertEquals("pod-d " + POD_A, tcp(t.pod("pod-a"), "10.96.0.11", 80), "endpoint on another node");
    assertEquals("pod-b " + POD_D, tcp(t.pod("pod-d"), "10.96.0.10", 80), "routed in from node-2");
    assertEquals("pod-b", who(tcp(t.node, "10.96.0.10", 80)), "node-originated (output hook)");
    assertEquals("pod-b", who(tcp(t.ext, "10.96.0.10", 80)));
    assertEquals(GW1, seenFrom(tcp(t.ext, "10.96.0.10", 80)), "from outside the cluster CIDR: masqueraded");
    assertTrue(t.conntrack("-p", "tcp", "--orig-dst", "10.96.0.10").contains("src=" + POD_B), "conntrack shows the DNAT");
  }

  @Test
  void sctpClusterIp() {
    Assumptions.assumeTrue(t.sctp, "this kernel has no SCTP");
    sync(of(Models.sctp("default/signal:", "10.96.7.1", 80).ready(POD_B, 80, N1)));
    assertEquals("pod-b " + POD_A, ServiceTopology.sctp(t.pod("pod-a"), "10.96.7.1", 80));
  }

  @Test
  void nodePortExternalIpAndLoadBalancerFromOutside() {
    sync(of(Models.tcp("shop/front:http", "10.96.1.1", 80).nodePort(30080).externalIp("192.168.60.20").loadBalancerIp("192.168.60.10").ready(POD_C, 80, N1),
        Models.udp("shop/front:dns", "10.96.1.1", 53).nodePort(30053).ready(POD_C, 80, N1)));
    for (String addr : List.of(NODE_IP, NODE_IP_2)) assertEquals("pod-c " + GW1, tcp(t.ext, addr, 30080), "NodePort on " + addr + ", masqueraded");
    assertEquals("pod-c " + GW1, udp(t.ext, NODE_IP, 30053, 0));
    assertEquals("pod-c " + GW1, tcp(t.ext, "192.168.60.20", 80), "externalIP");
    assertEquals("pod-c " + GW1, tcp(t.ext, "192.168.60.10", 80), "LoadBalancer IP");
    assertEquals("pod-c", who(tcp(t.pod("pod-d"), NODE_IP_2, 30080)), "NodePort from a pod on another node");
    assertEquals("", tcp(t.ext, NODE_IP, 30081), "no other port is forwarded");
  }

  @Test
  void severalPortsOfOneService() {
    sync(of(Models.tcp("default/web:http", "10.96.6.1", 80).ready(POD_A, 80, N1),
        Models.tcp("default/web:metrics", "10.96.6.1", 8080).ready(POD_A, 8080, N1),
        Models.udp("default/web:dns", "10.96.6.1", 53).ready(POD_A, 5353, N1)));
    assertEquals("pod-a " + POD_B, tcp(t.pod("pod-b"), "10.96.6.1", 80));
    assertEquals("pod-a/8080 " + POD_B, tcp(t.pod("pod-b"), "10.96.6.1", 8080));
    assertEquals("pod-a/5353 " + POD_B, udp(t.pod("pod-b"), "10.96.6.1", 53, 0));
  }

  @Test
  void randomBalancingReachesEveryEndpoint() {
    sync(of(Models.tcp("default/web:", "10.96.0.20", 80).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1)));
    Map<String, Long> s = spread(tcpMany(t.ext, "10.96.0.20", 80, 150));
    assertEquals(Map.of(), new HashMap<>(s).entrySet().stream().filter(e -> !e.getKey().startsWith("pod-")).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "every connection answered: " + s);
    for (String p : List.of("pod-a", "pod-b", "pod-c")) assertTrue(s.getOrDefault(p, 0L) >= 25, "each endpoint gets a share: " + s);
  }

  /** Scaling up by an update: the new endpoint count's balancing group comes with the update, all endpoints get traffic. */
  @Test
  void balancingAfterAnUpdateToANewEndpointCount() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      b.sync(of(Models.tcp("default/scale:", "10.96.0.21", 80).nodePort(30021).ready(POD_A, 80, N1)), NODE_CONTEXT);
      SyncResult up = b.sync(of(Models.tcp("default/scale:", "10.96.0.21", 80).nodePort(30021).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1)), NODE_CONTEXT);
      assertFalse(up.full(), b.lastScript());
      assertTrue(b.lastScript().contains("chain bal-3 {") && b.lastScript().contains("delete map ip weft_proxy eps-1"), b.lastScript());
      Map<String, Long> s = spread(tcpMany(t.pod("pod-d"), "10.96.0.21", 80, 90));
      for (String p : List.of("pod-a", "pod-b", "pod-c")) assertTrue(s.getOrDefault(p, 0L) >= 12, "each endpoint gets a share: " + s);
      Map<String, Long> np = spread(tcpMany(t.ext, NODE_IP, 30021, 60));
      assertEquals(3, np.keySet().stream().filter(k -> k.startsWith("pod-")).count(), "the NodePort too: " + np);
    } finally {
      proxy.invalidate();
    }
  }

  /**
   * A service port alone on its address is keyed by the address only (maps seps-i, one per endpoint index up to the
   * largest group); a second port on the address moves both to the address . protocol . port maps; when the largest
   * group shrinks, the indices beyond it go — all in incremental updates, traffic right after each.
   */
  @Test
  void soleAddressKeysFollowTheModel() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      var web3 = Models.tcp("default/sole:http", "10.96.0.22", 80).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1);
      b.sync(of(web3), NODE_CONTEXT);
      assertEquals(java.util.Set.of("seps-0", "seps-1", "seps-2"), namesOf("map", "seps-"));
      assertEquals(java.util.Set.of("spick-0", "spick-1", "spick-2"), namesOf("chain", "spick-"));
      List<String> first = elementsOf("seps-0");
      assertEquals(List.of("[\"10.96.0.22\",\"" + POD_A + "\"]"), first, "keyed by the address alone, the endpoint's address its value");
      assertTrue(elementsOf("sports").contains("[\"10.96.0.22\",80]"), "the endpoints' port by address: " + elementsOf("sports"));
      Map<String, Long> s = spread(tcpMany(t.pod("pod-d"), "10.96.0.22", 80, 60));
      for (String p : List.of("pod-a", "pod-b", "pod-c")) assertTrue(s.getOrDefault(p, 0L) >= 6, "each endpoint gets a share: " + s);

      SyncResult second = b.sync(of(web3, Models.tcp("default/sole:metrics", "10.96.0.22", 8080).ready(POD_A, 8080, N1)), NODE_CONTEXT);
      assertFalse(second.full(), b.lastScript());
      assertEquals(List.of(), elementsOf("seps-0"), "a shared address is not in the sole-address maps");
      assertEquals("pod-a/8080 " + POD_D, tcp(t.pod("pod-d"), "10.96.0.22", 8080));
      s = spread(tcpMany(t.pod("pod-d"), "10.96.0.22", 80, 60));
      for (String p : List.of("pod-a", "pod-b", "pod-c")) assertTrue(s.getOrDefault(p, 0L) >= 6, "each endpoint gets a share: " + s);

      SyncResult shrunk = b.sync(of(Models.tcp("default/sole:http", "10.96.0.22", 80).ready(POD_B, 80, N1)), NODE_CONTEXT);
      assertFalse(shrunk.full(), b.lastScript());
      assertEquals(java.util.Set.of("seps-0"), namesOf("map", "seps-"));
      assertEquals(java.util.Set.of("spick-0"), namesOf("chain", "spick-"));
      assertEquals("pod-b " + POD_D, tcp(t.pod("pod-d"), "10.96.0.22", 80));
      assertEquals("", tcp(t.pod("pod-d"), "10.96.0.22", 8080), "the removed port is gone");
    } finally {
      proxy.invalidate();
    }
  }

  /** Endpoints listening on different ports: the service port is keyed by address . protocol . port (eps-N), not by address. */
  @Test
  void endpointsOnDifferentPortsOfASoleAddress() {
    sync(of(Models.tcp("default/mixed:", "10.96.0.23", 80).ready(POD_A, 80, N1).ready(POD_B, 8080, N1)));
    assertEquals(List.of(), elementsOf("seps-0"));
    Map<String, Long> s = spread(tcpMany(t.pod("pod-d"), "10.96.0.23", 80, 40));
    assertEquals(java.util.Set.of("pod-a", "pod-b/8080"), s.keySet(), "each endpoint on its own port: " + s);
  }

  /** A full script streamed into nft is one transaction: when writing it fails half way, the kernel gets none of it. */
  @Test
  void aScriptThatFailsWhileStreamingAppliesNothing() {
    NftRunner runner = new NftRunner(t.nodeNetns());
    StringBuilder head = new StringBuilder("add table ip wft_half\n");
    for (int i = 0; i < 4000; i++) head.append("add chain ip wft_half c").append(i).append('\n'); // > the 64 KiB pipe buffer
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> runner.applyStreaming(sink -> {
      sink.accept(head);
      sleep(300); // nft has read and parsed the head by now
      throw new IllegalStateException("rendering failed");
    }));
    assertEquals("rendering failed", thrown.getMessage());
    sleep(300);
    String tables = runner.exec(null, "nft", "list", "tables").out();
    assertFalse(tables.contains("wft_half"), "nothing of the unfinished script applied: " + tables);
    // and a whole one applies
    runner.applyStreaming(sink -> {
      sink.accept(head);
      return null;
    });
    assertTrue(runner.exec(null, "nft", "list", "tables").out().contains("wft_half"));
    runner.apply("delete table ip wft_half\n");
  }

  /** Names of the table's objects of one kind ("map", "chain") starting with {@code prefix}, as nft lists them. */
  static java.util.Set<String> namesOf(String kind, String prefix) {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (JsonNode n : t.nftJson("ip", "weft_proxy"))
      if (n.has(kind) && n.get(kind).get("name").asText().startsWith(prefix)) names.add(n.get(kind).get("name").asText());
    return names;
  }

  /** The elements of a map as nft -j prints them (one string per element). */
  static List<String> elementsOf(String map) {
    List<String> els = new java.util.ArrayList<>();
    for (JsonNode n : t.nftJson("ip", "weft_proxy"))
      if (n.has("map") && n.get("map").get("name").asText().equals(map) && n.get("map").has("elem"))
        for (JsonNode e : n.get("map").get("elem")) els.add(e.toString());
    return els;
  }

  @Test
  void terminatingEndpointsOnlyWhenNoneIsReady() {
    sync(of(Models.tcp("default/rolling:", "10.96.5.1", 80).terminating(POD_A, 80, N1).notReady(POD_C, 80, N1),
        Models.tcp("default/mixed:", "10.96.5.2", 80).terminating(POD_A, 80, N1).ready(POD_B, 80, N1)));
    assertEquals(Map.of("pod-a", 10L), spread(tcpMany(t.pod("pod-d"), "10.96.5.1", 80, 10)));
    assertEquals(Map.of("pod-b", 20L), spread(tcpMany(t.pod("pod-d"), "10.96.5.2", 80, 20)));
  }

  @Test
  void sessionAffinityKeepsAClientOnOneEndpointUntilTheTimeout() {
    sync(of(Models.tcp("default/sticky:", "10.96.3.1", 80).affinity(Duration.ofSeconds(2)).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1)));
    Map<String, Long> s = spread(tcpMany(t.ext, "10.96.3.1", 80, 20));
    assertEquals(1, s.size(), "one endpoint for one client: " + s);
    String first = s.keySet().iterator().next();
    String ip = t.podIps.get(first);
    JsonNode set = Sh.json("ip", "netns", "exec", t.node, "nft", "-j", "list", "set", "ip", "weft_proxy", "aff-default/sticky/tcp__" + ip + "/80");
    assertTrue(set.toString().contains(EXT_IP), "the client is in its endpoint's affinity set: " + set);
    Map<String, Long> other = spread(tcpMany(t.pod("pod-d"), "10.96.3.1", 80, 10));
    assertEquals(1, other.size(), "another client sticks too: " + other);
    sleep(3000);
    JsonNode after = Sh.json("ip", "netns", "exec", t.node, "nft", "-j", "list", "set", "ip", "weft_proxy", "aff-default/sticky/tcp__" + ip + "/80");
    assertFalse(after.toString().contains(EXT_IP), "expired after the timeout: " + after);
  }

  @Test
  void externalTrafficPolicyLocal() {
    sync(of(Models.tcp("default/local:", "10.96.2.1", 80).nodePort(30100).loadBalancerIp("192.168.60.11").externalLocal().ready(POD_A, 80, N1).ready(POD_D, 80, N2),
        Models.tcp("default/remote-only:", "10.96.2.2", 80).nodePort(30101).loadBalancerIp("192.168.60.12").externalLocal().ready(POD_D, 80, N2)));
    assertEquals(Map.of("pod-a " + EXT_IP, 10L), tcpMany(t.ext, "192.168.60.11", 80, 10).stream().collect(Collectors.groupingBy(a -> a, Collectors.counting())),
        "only the local endpoint, client address kept");
    assertEquals("pod-a " + EXT_IP, tcp(t.ext, NODE_IP, 30100), "NodePort too");
    Attempt dropped = tcpAttempt(t.ext, NODE_IP, 30101, 1);
    assertEquals("", dropped.out());
    assertFalse(dropped.refused(), "no local endpoint: dropped (the client times out), not rejected");
    assertEquals("", tcpAttempt(t.ext, "192.168.60.12", 80, 1).out());
    assertEquals("pod-d " + POD_B, tcp(t.pod("pod-b"), NODE_IP, 30101), "pod-originated traffic still uses every endpoint");
    assertEquals("pod-d", who(tcp(t.node, NODE_IP, 30101)), "node-originated too");
    assertEquals("pod-d", who(tcp(t.pod("pod-b"), "10.96.2.2", 80)), "the ClusterIP is not affected");
    Map<String, Long> fromPod = spread(tcpMany(t.pod("pod-b"), "192.168.60.11", 80, 40));
    assertTrue(fromPod.containsKey("pod-a") && fromPod.containsKey("pod-d"), "pods reach all endpoints through the LB IP: " + fromPod);
  }

  @Test
  void internalTrafficPolicyLocal() {
    sync(of(Models.tcp("default/itp:", "10.96.2.3", 80).internalLocal().ready(POD_B, 80, N1).ready(POD_D, 80, N2),
        Models.tcp("default/itp-remote:", "10.96.2.4", 80).internalLocal().ready(POD_D, 80, N2)));
    assertEquals(Map.of("pod-b", 20L), spread(tcpMany(t.pod("pod-a"), "10.96.2.3", 80, 20)));
    Attempt a = tcpAttempt(t.pod("pod-a"), "10.96.2.4", 80, 1);
    assertEquals("", a.out(), "no local endpoint: nothing answers");
  }

  @Test
  void hairpinLandsOnItselfWithAMasqueradedSource() {
    sync(of(Models.tcp("default/self:", "10.96.0.30", 80).ready(POD_A, 80, N1), Models.udp("default/self-udp:", "10.96.0.30", 53).ready(POD_A, 80, N1)));
    assertEquals("pod-a " + GW1, tcp(t.pod("pod-a"), "10.96.0.30", 80));
    assertEquals("pod-a " + GW1, udp(t.pod("pod-a"), "10.96.0.30", 53, 0));
    assertEquals("pod-a " + POD_B, tcp(t.pod("pod-b"), "10.96.0.30", 80), "others keep their source");
  }

  @Test
  void noEndpointsRejectAtOnce() {
    sync(of(Models.tcp("default/empty:", "10.96.4.1", 80).nodePort(30200).externalIp("192.168.60.30"),
        Models.udp("default/empty-udp:", "10.96.4.2", 53).notReady(POD_A, 80, N1)));
    Attempt baseline = tcpAttempt(t.pod("pod-a"), POD_B, 9, 3); // a closed port: refused by the pod's kernel
    assertTrue(baseline.refused(), baseline.err());
    for (String[] target : new String[][] {{"10.96.4.1", "80"}, {"192.168.60.30", "80"}, {NODE_IP, "30200"}}) {
      String from = target[0].equals("10.96.4.1") ? t.pod("pod-a") : t.ext;
      Attempt a = tcpAttempt(from, target[0], Integer.parseInt(target[1]), 3);
      assertTrue(a.refused(), target[0] + ": " + a.err());
      assertTrue(a.millis() < baseline.millis() + 100, "refused at once: " + a.millis() + " ms (a refused connect costs " + baseline.millis() + " ms here)");
    }
    String udpErr = Sh.exec(null, "x\n".getBytes(), List.of("ip", "netns", "exec", t.pod("pod-a"), "timeout", "4", "socat", "-T2", "-", "UDP4:10.96.4.2:53")).err();
    assertTrue(udpErr.contains("Connection refused"), "UDP gets ICMP port unreachable: " + udpErr);
  }

  @Test
  void removedUdpEndpointLosesItsConntrackEntries() {
    ProxyModel before = of(Models.udp("default/dns:", "10.96.0.53", 53).ready(POD_B, 80, N1));
    ProxyModel after = of(Models.udp("default/dns:", "10.96.0.53", 53).ready(POD_C, 80, N1));
    sync(before);
    try (UdpStream s = new UdpStream(t.pod("pod-a"), "10.96.0.53", 53, 40053, 100)) {
      waitFor(() -> who(s.last()).equals("pod-b"), 5000, "answers from pod-b");
      SyncResult r = sync(after);
      assertEquals(Map.of(name("default/dns:", dev.weft.proxy.model.Protocol.UDP), List.of(before.endpointsOf(name("default/dns:", dev.weft.proxy.model.Protocol.UDP)).getFirst())),
          r.removedUdpEndpoints());
      int seen = s.answers().size();
      sleep(600);
      assertTrue(s.answers().subList(seen, s.answers().size()).stream().allMatch(a -> who(a).equals("pod-b")),
          "the stale conntrack entry still sends to pod-b: " + s.answers());
      assertEquals(0, new ConntrackCleaner(t.nodeNetns()).afterSync(r, before, after, NODE_NAME));
      waitFor(() -> who(s.last()).equals("pod-c"), 3000, "answers from pod-c after the clean-up: " + s.answers());
    }
  }

  @Test
  void incrementalSyncWritesOnlyTheChangedService() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      ProxyModel m1 = of(Models.tcp("default/a:", "10.96.8.1", 80).ready(POD_A, 80, N1).ready(POD_B, 80, N1),
          Models.tcp("default/b:", "10.96.8.2", 80).ready(POD_B, 80, N1), Models.tcp("default/c:", "10.96.8.3", 80).nodePort(30300).ready(POD_C, 80, N1));
      SyncResult first = b.sync(m1, NODE_CONTEXT);
      assertTrue(first.full());
      Map<String, List<Long>> h1 = handles();
      ProxyModel m2 = of(Models.tcp("default/a:", "10.96.8.1", 80).ready(POD_A, 80, N1).ready(POD_B, 80, N1),
          Models.tcp("default/b:", "10.96.8.2", 80).ready(POD_B, 80, N1).ready(POD_C, 80, N1), Models.tcp("default/c:", "10.96.8.3", 80).nodePort(30300).ready(POD_C, 80, N1));
      SyncResult second = b.sync(m2, NODE_CONTEXT);
      assertFalse(second.full());
      assertEquals(1, second.servicesWritten());
      assertEquals(3, second.rulesWritten(), "b's elements: its entry moves from sbal-1 to sbal-2 (delete + add), its first endpoint stays "
          + "in seps-0, its second one is added to seps-1; no rule (group 2 and index 1 exist for a), no hairpin element (pod-c's pair "
          + "exists for c)\n" + b.lastScript());
      Map<String, List<Long>> h2 = handles();
      assertEquals(h1, h2, "an element-only update: no rule rewritten");
      assertTrue(b.lastScript().lines().noneMatch(l -> l.contains("chain") && !l.contains("sync-canary")), b.lastScript());
      assertEquals(Map.of("pod-b", 10L, "pod-c", 10L).keySet(), spread(tcpMany(t.pod("pod-d"), "10.96.8.2", 80, 20)).keySet());
      // nothing changed: nothing written
      SyncResult third = b.sync(m2, NODE_CONTEXT);
      assertEquals(0, third.servicesWritten());
      assertEquals("", b.lastScript());
      assertEquals(h2, handles());
      // removing a service deletes its elements
      b.sync(of(Models.tcp("default/a:", "10.96.8.1", 80).ready(POD_A, 80, N1)), NODE_CONTEXT);
      String table = t.nftJson("ip", "weft_proxy").toString();
      assertFalse(table.contains("30300") || table.contains("10.96.8.3") || table.contains("10.96.8.2"), table);
      assertEquals("", tcpAttempt(t.pod("pod-d"), "10.96.8.3", 80, 1).out());
    } finally {
      proxy.invalidate(); // another backend wrote the shared backend's table
    }
  }

  /** Chain name → its rules' handles (but the canary's, re-added by every sync), read independently with nft -j. */
  static Map<String, List<Long>> handles() {
    JsonNode all = t.nftJson("ip", "weft_proxy");
    Map<String, List<Long>> h = new HashMap<>();
    for (JsonNode n : all) {
      if (n.has("chain")) h.putIfAbsent(n.get("chain").get("name").asText(), new java.util.ArrayList<>());
      if (n.has("rule") && !n.get("rule").get("chain").asText().equals("sync-canary")) h.computeIfAbsent(n.get("rule").get("chain").asText(), k -> new java.util.ArrayList<>()).add(n.get("rule").get("handle").asLong());
    }
    return h;
  }

  @Test
  void driftIsDetectedAndRepaired() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      ProxyModel m1 = of(Models.tcp("default/a:", "10.96.9.1", 80).ready(POD_A, 80, N1));
      ProxyModel m2 = of(Models.tcp("default/a:", "10.96.9.1", 80).ready(POD_A, 80, N1), Models.tcp("default/b:", "10.96.9.2", 80).ready(POD_B, 80, N1));
      b.sync(m1, NODE_CONTEXT);
      inOrThrow(t.node, "nft", "delete", "table", "ip", "weft_proxy");
      SyncResult r = b.sync(m2, NODE_CONTEXT);
      assertTrue(r.full(), "the update was refused (canary gone) and replaced by a full sync");
      assertEquals("pod-a", who(tcp(t.pod("pod-d"), "10.96.9.1", 80)));
      assertEquals("pod-b", who(tcp(t.pod("pod-d"), "10.96.9.2", 80)));
      inOrThrow(t.node, "nft", "flush", "table", "ip", "weft_proxy");
      assertTrue(b.sync(m1, NODE_CONTEXT).full(), "a flushed table is detected too");
      assertTrue(b.lastScript().startsWith("add table ip weft_proxy\nflush table ip weft_proxy\n"), "its sets are still there: rewritten in place");
      assertEquals("pod-a", who(tcp(t.pod("pod-d"), "10.96.9.1", 80)));
      // the periodic resync: the table is as this backend left it, so it is verified and kept
      Map<String, List<Long>> h = handles();
      b.invalidate();
      SyncResult verified = b.sync(m1, NODE_CONTEXT);
      assertFalse(verified.full(), "verified, not rewritten");
      assertEquals(0, verified.rulesWritten());
      assertEquals(h, handles());
      // another writer's sync state (or a hand edit of it) is drift: rewritten at the next resync
      inOrThrow(t.node, "nft", "delete", "element", "ip", "weft_proxy", "sync-state", "{ 1 }");
      inOrThrow(t.node, "nft", "add", "element", "ip", "weft_proxy", "sync-state", "{ 1 comment \"" + NftScript.LAYOUT + " digest=1 canary=1 next=1\" }");
      b.invalidate();
      assertTrue(b.sync(m1, NODE_CONTEXT).full(), "a foreign sync state means a full rewrite");
      // the canary rule deleted by hand: caught by the verification as well
      long canary = t.nftJson("ip", "weft_proxy").findValues("rule").stream().filter(x -> x.get("chain").asText().equals("sync-canary")).findFirst().orElseThrow().get("handle").asLong();
      inOrThrow(t.node, "nft", "delete", "rule", "ip", "weft_proxy", "sync-canary", "handle", String.valueOf(canary));
      b.invalidate();
      assertTrue(b.sync(m1, NODE_CONTEXT).full(), "a missing canary means a full rewrite");
      assertEquals("pod-a", who(tcp(t.pod("pod-d"), "10.96.9.1", 80)));
      assertFalse(b.sync(m2, NODE_CONTEXT).full(), "and incremental again after that");
      assertFalse(b.sync(m1, NODE_CONTEXT).full());
      assertEquals("", tcpAttempt(t.pod("pod-d"), "10.96.9.2", 80, 1).out());
    } finally {
      proxy.invalidate();
    }
  }

  @Test
  void removeAllLeavesNothing() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      b.sync(of(Models.tcp("default/a:", "10.96.9.1", 80).ready(POD_A, 80, N1)), NODE_CONTEXT);
      assertTrue(in(t.node, "nft", "list", "tables").contains("weft_proxy"));
      b.removeAll();
      assertEquals("", in(t.node, "nft", "list", "ruleset").strip());
      b.removeAll(); // idempotent
      assertEquals("", tcpAttempt(t.pod("pod-d"), "10.96.9.1", 80, 1).out());
      assertTrue(b.sync(of(Models.tcp("default/a:", "10.96.9.1", 80).ready(POD_A, 80, N1)), NODE_CONTEXT).full(), "after removeAll the next sync is full");
    } finally {
      proxy.invalidate(); // the shared backend's table was removed under it
    }
  }

  /** A restarted backend (a new instance) finds the table right: it adopts it and writes nothing. */
  @Test
  void aRestartedBackendAdoptsARightTableAndRewritesAWrongOne() {
    ProxyModel m1 = of(Models.tcp("default/a:", "10.96.9.1", 80).nodePort(30400).ready(POD_A, 80, N1).ready(POD_D, 80, N2),
        Models.tcp("default/sticky:", "10.96.9.3", 80).affinity(Duration.ofSeconds(60)).ready(POD_B, 80, N1));
    ProxyModel m2 = of(Models.tcp("default/a:", "10.96.9.1", 80).nodePort(30400).ready(POD_A, 80, N1),
        Models.tcp("default/sticky:", "10.96.9.3", 80).affinity(Duration.ofSeconds(60)).ready(POD_B, 80, N1));
    try (NftProxyBackend first = new NftProxyBackend(t.nodeNetns())) {
      assertTrue(first.sync(m1, NODE_CONTEXT).full());
      Map<String, List<Long>> h = handles();
      NftProxyBackend second = new NftProxyBackend(t.nodeNetns());
      SyncResult r = second.sync(m1, NODE_CONTEXT);
      assertEquals(0, r.rulesWritten());
      assertEquals("", second.lastScript());
      assertEquals(h, handles(), "nothing rewritten");
      SyncResult u = second.sync(m2, NODE_CONTEXT);
      assertFalse(u.full(), "incremental after adopting (the canary handle came from the sync state): " + second.lastScript());
      assertEquals(Map.of("pod-a", 10L), spread(tcpMany(t.pod("pod-d"), "10.96.9.1", 80, 10)));
      // a third instance with another model: the table is not what it would write
      NftProxyBackend third = new NftProxyBackend(t.nodeNetns());
      assertTrue(third.sync(m1, NODE_CONTEXT).full());
      assertEquals(2, spread(tcpMany(t.pod("pod-c"), "10.96.9.1", 80, 40)).size());
    } finally {
      proxy.invalidate();
    }
  }

  /** The periodic resync keeps the affinity sets: a client stays on its endpoint across it. */
  @Test
  void periodicResyncKeepsSessionAffinity() {
    ProxyModel m = of(Models.tcp("default/sticky:", "10.96.3.2", 80).affinity(Duration.ofSeconds(600)).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1),
        Models.tcp("default/plain:", "10.96.3.3", 80).ready(POD_A, 80, N1).ready(POD_B, 80, N1));
    sync(m);
    Map<String, Long> s = spread(tcpMany(t.ext, "10.96.3.2", 80, 5));
    assertEquals(1, s.size(), s.toString());
    for (int i = 0; i < 3; i++) {
      proxy.invalidate();
      assertEquals(0, sync(m).rulesWritten(), "verified, nothing written");
      assertEquals(s.keySet(), spread(tcpMany(t.ext, "10.96.3.2", 80, 5)).keySet(), "the same endpoint after resync " + i);
    }
  }

  /**
   * A restart after the model changed, and a flushed table: the table is rewritten in place, and
   * the affinity sets of unchanged service ports keep their clients.
   */
  @Test
  void fullRewritesInPlaceKeepSessionAffinity() {
    ProxyModel m1 = of(Models.tcp("default/sticky:", "10.96.3.4", 80).affinity(Duration.ofSeconds(600)).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1),
        Models.tcp("default/plain:", "10.96.3.5", 80).ready(POD_A, 80, N1));
    ProxyModel m2 = of(Models.tcp("default/sticky:", "10.96.3.4", 80).affinity(Duration.ofSeconds(600)).ready(POD_A, 80, N1).ready(POD_B, 80, N1).ready(POD_C, 80, N1),
        Models.tcp("default/plain:", "10.96.3.5", 80).ready(POD_B, 80, N1),
        Models.tcp("default/gone-later:", "10.96.3.6", 80).affinity(Duration.ofSeconds(60)).ready(POD_C, 80, N1));
    try (NftProxyBackend first = new NftProxyBackend(t.nodeNetns())) {
      first.sync(m1, NODE_CONTEXT);
      Map<String, Long> s = spread(tcpMany(t.ext, "10.96.3.4", 80, 5));
      assertEquals(1, s.size(), s.toString());
      // restarted with another model
      NftProxyBackend second = new NftProxyBackend(t.nodeNetns());
      SyncResult r = second.sync(m2, NODE_CONTEXT);
      assertTrue(r.full());
      assertTrue(second.lastScript().startsWith("add table ip weft_proxy\nflush table ip weft_proxy\n"), "rewritten in place");
      assertEquals(s.keySet(), spread(tcpMany(t.ext, "10.96.3.4", 80, 5)).keySet(), "the client kept its endpoint");
      assertEquals("pod-b", who(tcp(t.pod("pod-d"), "10.96.3.5", 80)));
      assertEquals("pod-c", who(tcp(t.pod("pod-d"), "10.96.3.6", 80)));
      assertFalse(second.sync(m1, NODE_CONTEXT).full(), "incremental after it (the handles were predicted right): " + second.lastScript());
      assertFalse(t.nftJson("ip", "weft_proxy").toString().contains("gone-later"), "its chains and sets are gone");
      // flushed behind weft's back: the rules are gone, the sets stay; the resync rewrites in place
      inOrThrow(t.node, "nft", "flush", "table", "ip", "weft_proxy");
      second.invalidate();
      assertTrue(second.sync(m1, NODE_CONTEXT).full());
      assertTrue(second.lastScript().contains("flush table ip weft_proxy\n"), second.lastScript());
      assertEquals(s.keySet(), spread(tcpMany(t.ext, "10.96.3.4", 80, 5)).keySet(), "the client kept its endpoint after the repair");
      assertEquals("pod-a", who(tcp(t.pod("pod-d"), "10.96.3.5", 80)));
      assertFalse(second.sync(m2, NODE_CONTEXT).full());
      // deleted: written anew
      inOrThrow(t.node, "nft", "delete", "table", "ip", "weft_proxy");
      second.invalidate();
      assertTrue(second.sync(m2, NODE_CONTEXT).full());
      assertTrue(second.lastScript().startsWith("add table ip weft_proxy\ndelete table ip weft_proxy\n"));
      assertEquals("pod-b", who(tcp(t.pod("pod-d"), "10.96.3.5", 80)));
    } finally {
      proxy.invalidate();
    }
  }

  @Test
  void goldenUpdateAppliesToTheKernel() {
    try (NftProxyBackend b = new NftProxyBackend(t.nodeNetns())) {
      b.sync(NftScriptTest.before(), NODE_CONTEXT);
      SyncResult r = b.sync(NftScriptTest.after(), NODE_CONTEXT);
      assertFalse(r.full(), "the update script was accepted");
      for (var e : GoldenModels.all().entrySet()) {
        b.removeAll();
        assertTrue(b.sync(e.getValue(), NODE_CONTEXT).full(), e.getKey());
      }
    } finally {
      proxy.invalidate();
    }
  }

  static void waitFor(java.util.function.BooleanSupplier c, long millis, String what) {
    long end = System.currentTimeMillis() + millis;
    while (!c.getAsBoolean()) {
      if (System.currentTimeMillis() > end) fail("timed out waiting for " + what);
      sleep(50);
    }
  }
}
