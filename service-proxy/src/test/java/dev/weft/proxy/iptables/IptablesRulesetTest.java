package dev.weft.proxy.iptables;

import dev.weft.kernel.testing.Golden;

import static dev.weft.proxy.testing.Models.tcp;
import static dev.weft.proxy.testing.Models.udp;
import static dev.weft.proxy.testing.Models.sctp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.testing.Models;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure rule generator against golden files, plus the partial-sync bookkeeping. */
class IptablesRulesetTest {
  private static final Golden GOLDEN = Golden.at("golden/iptables");

  /** NodePorts on every local address (no nodeIps): the addrtype form. */
  static final NodeContext ANY_ADDRESS = new NodeContext("node-1", List.of(), IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));
  /** NodePorts on the node's two addresses. */
  static final NodeContext NODE = new NodeContext("node-1", List.of(IpPrefix.parseAddress("192.168.50.1"), IpPrefix.parseAddress("172.20.0.1")),
      IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));

  static String full(ProxyModel m, NodeContext node) {
    return IptablesRuleset.full(m, node, KernelView.EMPTY, false).restore();
  }

  @Test
  void clusterIpOnly() {
    GOLDEN.check("clusterip.rules", full(Models.of(
        tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 8080, "node-1").ready("10.244.1.3", 8080, "node-1").ready("10.244.2.2", 8080, "node-2"),
        tcp("default/one:", "10.96.0.11", 443).ready("10.244.1.4", 8443, "node-1")), ANY_ADDRESS));
  }

  @Test
  void nodePort() {
    ProxyModel m = Models.of(tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).ready("10.244.1.2", 80, "node-1").ready("10.244.2.2", 80, "node-2"));
    GOLDEN.check("nodeport.rules", full(m, NODE));
    assertEquals(full(m, NODE), full(m, ANY_ADDRESS), "NodePorts answer on every local address but loopback, whatever nodeIps says");
  }

  @Test
  void loadBalancerAndExternalIps() {
    GOLDEN.check("loadbalancer.rules", full(Models.of(
        tcp("default/lb:http", "10.96.0.20", 80).nodePort(30081).loadBalancerIp("203.0.113.10").externalIp("198.51.100.7")
            .ready("10.244.1.2", 80, "node-1").ready("10.244.2.2", 80, "node-2")), NODE));
  }

  @Test
  void localPolicies() {
    GOLDEN.check("local.rules", full(Models.of(
        // eTP Local with a local endpoint: SVL for outsiders, SVC for pods and the node
        tcp("default/etp:http", "10.96.0.30", 80).nodePort(30082).loadBalancerIp("203.0.113.11").externalLocal().healthCheckNodePort(32000)
            .ready("10.244.1.2", 80, "node-1").ready("10.244.2.2", 80, "node-2"),
        // eTP Local without one: outsiders dropped in filter, pods still reach node-2
        tcp("default/etp-remote:http", "10.96.0.31", 80).nodePort(30083).externalLocal().healthCheckNodePort(32001)
            .ready("10.244.2.2", 80, "node-2"),
        // iTP Local with and without a local endpoint
        tcp("default/itp:http", "10.96.0.32", 80).internalLocal().ready("10.244.1.3", 80, "node-1").ready("10.244.2.2", 80, "node-2"),
        tcp("default/itp-remote:http", "10.96.0.33", 80).internalLocal().ready("10.244.2.2", 80, "node-2")), NODE));
  }

  @Test
  void affinity() {
    GOLDEN.check("affinity.rules", full(Models.of(
        tcp("default/sticky:http", "10.96.0.40", 80).affinity(Duration.ofSeconds(10800))
            .ready("10.244.1.2", 80, "node-1").ready("10.244.1.3", 80, "node-1")), NODE));
  }

  /** The services of the source-ranges goldens (the same as the nftables backend's). */
  static ProxyModel sourceRangesModel() {
    return Models.of(
        // two LB IPs firewalled (every range written, as kube-proxy does), the externalIP and NodePort open
        tcp("shop/front:https", "10.96.1.1", 443).nodePort(31443).loadBalancerIp("192.168.60.10").loadBalancerIp("192.168.60.11")
            .externalIp("192.168.60.20").sourceRange("203.0.113.0/24").sourceRange("10.0.0.0/8").sourceRange("10.1.0.0/16")
            .ready("10.244.1.2", 8443, "node-1").ready("10.244.2.2", 8443, "node-2"),
        // eTP Local; a range holds the node's address (192.168.50.1): the LB IP as a source goes on too
        udp("shop/game:", "10.96.1.2", 7777).nodePort(31777).loadBalancerIp("192.168.60.12").externalLocal().healthCheckNodePort(32001)
            .sourceRange("192.168.50.0/24").ready("10.244.1.3", 7777, "node-1"),
        // no endpoints: rejected for everyone, no FW chain
        tcp("shop/empty:", "10.96.1.3", 80).nodePort(31080).loadBalancerIp("192.168.60.13").sourceRange("203.0.113.0/24"),
        // ranges without a LoadBalancer IP: nothing
        tcp("shop/nodeport-only:", "10.96.1.4", 80).nodePort(31081).sourceRange("203.0.113.0/24").ready("10.244.1.4", 80, "node-1"));
  }

  @Test
  void loadBalancerSourceRanges() {
    String rules = full(sourceRangesModel(), NODE);
    GOLDEN.check("lb-source-ranges.rules", rules);
    ServicePortName front = Models.name("shop/front:https", dev.weft.proxy.model.Protocol.TCP);
    String fw = ChainNames.fw(front), ext = ChainNames.ext(front);
    assertTrue(rules.contains("-d 192.168.60.10/32 -p tcp -m tcp --dport 443 -j " + fw + "\n"), "the LB IP enters the FW chain");
    assertTrue(rules.contains("-d 192.168.60.20/32 -p tcp -m tcp --dport 443 -j " + ext + "\n"), "the externalIP does not");
    assertTrue(rules.contains("-A " + fw + " -m comment --comment \"shop/front:https loadbalancer IP\" -s 10.1.0.0/16 -j " + ext + "\n"));
    assertFalse(rules.contains("-A " + fw + " -m comment --comment \"shop/front:https loadbalancer IP\" -s 192.168.60.10/32"),
        "no range holds a node address: the LB IPs are not sources");
    String game = ChainNames.fw(Models.name("shop/game:", dev.weft.proxy.model.Protocol.UDP));
    assertTrue(rules.contains("-A " + game + " -m comment --comment \"shop/game loadbalancer IP\" -s 192.168.60.12/32 -j "), "allowFromNode");
    assertFalse(rules.contains(ChainNames.fw(Models.name("shop/empty:", dev.weft.proxy.model.Protocol.TCP))));
    assertFalse(rules.contains(ChainNames.fw(Models.name("shop/nodeport-only:", dev.weft.proxy.model.Protocol.TCP))));
    for (String chain : List.of("WEFT-NODEPORTS", "WEFT-FORWARD", "WEFT-SERVICES"))
      assertTrue(rules.contains("-A " + chain + " -m comment --comment \"weft load balancer source ranges: drop what a WEFT-FW- chain marked\" -m mark --mark 0x8000/0x8000 -j DROP\n"), chain);
  }

  @Test
  void nothingForServicesWithoutSourceRanges() {
    ProxyModel with = sourceRangesModel();
    java.util.TreeMap<ServicePortName, dev.weft.proxy.model.ServicePort> services = new java.util.TreeMap<>();
    with.services().forEach((id, s) -> services.put(id, new dev.weft.proxy.model.ServicePort(id, s.clusterIps(), s.port(), s.nodePort(),
        s.externalIps(), s.loadBalancerIps(), s.externalPolicy(), s.internalPolicy(), s.affinityTimeout(), s.healthCheckNodePort())));
    String rules = full(ProxyModel.of(services, with.endpoints()), NODE);
    assertFalse(rules.contains("WEFT-FW-") || rules.contains("0x8000"), rules);
    assertEquals(full(ProxyModel.of(services, with.endpoints()), NODE), full(ProxyModel.of(services, with.endpoints()), ANY_ADDRESS));
  }

  @Test
  void removingTheSourceRangesInAPartialSyncDeletesTheFirewall() {
    Models.Svc lb = tcp("shop/front:https", "10.96.1.1", 443).loadBalancerIp("192.168.60.10").sourceRange("203.0.113.0/24")
        .ready("10.244.1.2", 8443, "node-1");
    Models.Svc other = tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.3", 80, "node-1");
    IptablesRuleset.Plan first = IptablesRuleset.full(Models.of(lb, other), NODE, KernelView.EMPTY, false);
    String fw = ChainNames.fw(lb.id());
    assertTrue(first.applied().chains().get(lb.id()).contains(fw));
    // unchanged: the drop of marked packets is written again with the top-level chains, the FW chain left alone
    IptablesRuleset.Plan idle = IptablesRuleset.partial(Models.of(lb, other), NODE, first.applied(), false);
    assertTrue(idle.restore().contains("-m mark --mark 0x8000/0x8000 -j DROP") && idle.restore().contains("-j " + fw + "\n"), idle.restore());
    assertFalse(idle.restore().contains(":" + fw), "an unchanged FW chain is not redeclared");
    Models.Svc open = tcp("shop/front:https", "10.96.1.1", 443).loadBalancerIp("192.168.60.10").ready("10.244.1.2", 8443, "node-1");
    IptablesRuleset.Plan p = IptablesRuleset.partial(Models.of(open, other), NODE, idle.applied(), false);
    assertEquals(1, p.servicesWritten());
    assertTrue(p.restore().contains("-X " + fw + "\n"), p.restore());
    assertTrue(p.restore().contains("-d 192.168.60.10/32 -p tcp -m tcp --dport 443 -j " + ChainNames.ext(lb.id())), p.restore());
    assertFalse(p.restore().contains("0x8000"), "no FW chain left: no drop rule");
    assertFalse(p.applied().chains().get(lb.id()).contains(fw));
  }

  @Test
  void noEndpoints() {
    GOLDEN.check("no-endpoints.rules", full(Models.of(
        tcp("default/empty:http", "10.96.0.50", 80).nodePort(30084).externalIp("198.51.100.8"),
        udp("default/empty:dns", "10.96.0.50", 53),
        sctp("default/empty:sctp", "10.96.0.50", 9),
        tcp("default/notready:http", "10.96.0.51", 80).notReady("10.244.1.2", 80, "node-1")), NODE));
  }

  @Test
  void terminatingFallback() {
    GOLDEN.check("terminating.rules", full(Models.of(
        // a ready endpoint hides the terminating ones
        tcp("default/rolling:http", "10.96.0.60", 80).ready("10.244.1.2", 80, "node-1").terminating("10.244.1.3", 80, "node-1"),
        // none ready: the serving terminating ones are used
        tcp("default/draining:http", "10.96.0.61", 80).terminating("10.244.1.3", 80, "node-1").terminating("10.244.2.2", 80, "node-2")
            .notReady("10.244.1.4", 80, "node-1")), NODE));
  }

  @Test
  void multiPortUdpSctp() {
    GOLDEN.check("multiport.rules", full(Models.of(
        tcp("default/multi:http", "10.96.0.70", 80).ready("10.244.1.2", 80, "node-1").ready("10.244.1.3", 80, "node-1"),
        tcp("default/multi:alt", "10.96.0.70", 8080).ready("10.244.1.2", 8080, "node-1").ready("10.244.1.3", 8080, "node-1"),
        udp("default/multi:dns", "10.96.0.70", 53).nodePort(30053).ready("10.244.1.2", 5353, "node-1").ready("10.244.1.3", 5353, "node-1"),
        sctp("default/multi:sctp", "10.96.0.70", 9).ready("10.244.1.2", 80, "node-1")), NODE));
  }

  @Test
  void fullSyncReplacesWhatIsThere() {
    String save = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :WEFT-SERVICES - [0:0]
        :WEFT-SVC-STALESTALESTALE - [0:0]
        :WEFT-HOSTPORT-DNAT - [0:0]
        -A PREROUTING -m comment --comment "weft service portals" -j WEFT-SERVICES
        -A PREROUTING -m addrtype --dst-type LOCAL -j WEFT-HOSTPORT-DNAT
        COMMIT
        *filter
        :FORWARD ACCEPT [0:0]
        :WEFT-FORWARD - [0:0]
        -A FORWARD -m comment --comment "weft forwarding rules" -j WEFT-FORWARD
        COMMIT
        """;
    KernelView k = KernelView.parse(save);
    assertEquals(Set.of("WEFT-SERVICES", "WEFT-SVC-STALESTALESTALE"), k.natChains(), "host-nat's chains are not ours");
    GOLDEN.check("full-over-existing.rules", IptablesRuleset.full(Models.of(tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 80, "node-1")),
        NODE, k, false).restore());
  }

  @Test
  void partialSyncWritesOnlyTheChangedService() {
    Models.Svc web = tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 80, "node-1").ready("10.244.1.3", 80, "node-1");
    Models.Svc dns = udp("kube-system/dns:dns", "10.96.0.53", 53).ready("10.244.1.4", 5353, "node-1").ready("10.244.2.2", 5353, "node-2");
    Models.Svc gone = tcp("default/gone:http", "10.96.0.99", 80).ready("10.244.1.4", 80, "node-1");
    IptablesRuleset.Plan first = IptablesRuleset.full(Models.of(web, dns, gone), NODE, KernelView.EMPTY, false);
    assertTrue(first.full());
    assertEquals(3, first.servicesWritten());

    Models.Svc dns2 = udp("kube-system/dns:dns", "10.96.0.53", 53).ready("10.244.1.4", 5353, "node-1");
    ProxyModel second = Models.of(web, dns2);
    IptablesRuleset.Plan p = IptablesRuleset.partial(second, NODE, first.applied(), false);
    assertFalse(p.full());
    assertEquals(1, p.servicesWritten());
    GOLDEN.check("partial.rules", p.restore());
    assertFalse(p.restore().contains(":" + ChainNames.svc(web.id())), "unchanged web's chain is not redeclared (that would flush it)");
    assertTrue(p.restore().contains("-X " + ChainNames.svc(gone.id())));
    assertTrue(p.restore().contains("-X " + ChainNames.sep(dns.id(), new Endpoint(Models.addr("10.244.2.2"), 5353, "node-2", true, true, false))));

    // nothing changed: only the top-level chains and the checks
    IptablesRuleset.Plan idle = IptablesRuleset.partial(second, NODE, p.applied(), false);
    assertEquals(0, idle.servicesWritten());
    assertFalse(idle.restore().contains("WEFT-SEP-"));

    Map<ServicePortName, List<Endpoint>> removed = IptablesRuleset.removedUdpEndpoints(Models.of(web, dns, gone), second, NODE);
    assertEquals(Map.of(dns.id(), List.of(new Endpoint(Models.addr("10.244.2.2"), 5353, "node-2", true, true, false))), removed);
    assertEquals(Map.of(dns.id(), dns.build().id() == null ? List.of() : List.of(
        new Endpoint(Models.addr("10.244.1.4"), 5353, "node-1", true, true, false),
        new Endpoint(Models.addr("10.244.2.2"), 5353, "node-2", true, true, false))),
        IptablesRuleset.removedUdpEndpoints(Models.of(web, dns), Models.of(web), NODE), "a removed service loses all its endpoints");
  }

  @Test
  void removeAllDeletesOnlyOurs() {
    String save = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :WEFT-SERVICES - [0:0]
        :WEFT-SEP-AAAAAAAAAAAAAAAA - [0:0]
        :WEFT-HOSTPORT-DNAT - [0:0]
        -A PREROUTING -m comment --comment "weft service portals" -j WEFT-SERVICES
        -A PREROUTING -m addrtype --dst-type LOCAL -j WEFT-HOSTPORT-DNAT
        COMMIT
        """;
    GOLDEN.check("remove-all.rules", IptablesRuleset.removeAll(KernelView.parse(save)));
    assertNull(IptablesRuleset.removeAll(KernelView.parse("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n")));
  }

  @Test
  void chainNamesAreKubeProxys() {
    // kube-proxy: "KUBE-SVC-" + base32(sha256("ns/name:port" + "tcp"))[:16]
    assertEquals(25, ChainNames.svc(Models.name("default/web:http", dev.weft.proxy.model.Protocol.TCP)).length());
    assertEquals(24, ChainNames.fw(Models.name("default/web:http", dev.weft.proxy.model.Protocol.TCP)).length());
    assertTrue(ChainNames.isServiceChain(ChainNames.fw(Models.name("default/web:http", dev.weft.proxy.model.Protocol.TCP))));
    assertEquals("default/web", ChainNames.portString(Models.name("default/web:", dev.weft.proxy.model.Protocol.TCP)));
    assertEquals("0.3333333333", IptablesRuleset.probability(3));
  }
}
