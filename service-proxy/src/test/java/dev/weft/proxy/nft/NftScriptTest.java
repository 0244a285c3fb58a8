package dev.weft.proxy.nft;

import dev.weft.kernel.testing.Golden;

import static dev.weft.proxy.testing.Models.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.testing.Models;
import dev.weft.proxy.testing.ServiceTopology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NftScriptTest {
  private static final Golden GOLDEN = Golden.at("golden/nft");

  static final NodeContext NODE = ServiceTopology.NODE_CONTEXT;

  @Test
  void goldenFullScripts() {
    for (var e : GoldenModels.all().entrySet()) GOLDEN.check(e.getKey() + ".nft", NftRules.full(e.getValue(), NODE).script().text());
  }

  static ProxyModel before() {
    return of(
        tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 80, "node-1").ready("10.244.1.3", 80, "node-1"),
        tcp("default/stays:", "10.96.0.11", 80).ready("10.244.1.4", 80, "node-1"),
        tcp("default/goes:", "10.96.0.12", 80).nodePort(30012).ready("10.244.1.4", 80, "node-1"),
        udp("default/dns:", "10.96.0.53", 53).ready("10.244.1.2", 53, "node-1").ready("10.244.1.3", 53, "node-1"),
        tcp("default/sticky:", "10.96.0.13", 80).affinity(Duration.ofSeconds(60)).ready("10.244.1.2", 80, "node-1"));
  }

  static ProxyModel after() {
    return of(
        tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 80, "node-1").ready("10.244.1.3", 80, "node-1").ready("10.244.2.2", 80, "node-2"),
        tcp("default/stays:", "10.96.0.11", 80).ready("10.244.1.4", 80, "node-1"),
        tcp("default/comes:", "10.96.0.14", 80).ready("10.244.1.4", 80, "node-1"),
        udp("default/dns:", "10.96.0.53", 53).ready("10.244.1.3", 53, "node-1"),
        tcp("default/sticky:", "10.96.0.13", 80).affinity(Duration.ofSeconds(30)).ready("10.244.1.2", 80, "node-1"));
  }

  @Test
  void goldenUpdate() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NftRules.Plan update = NftRules.update(first.next(), after(), NODE);
    assertFalse(update.full());
    GOLDEN.check("update.nft", update.script().text());
    // web (endpoint added), goes (removed), comes (new), dns (endpoint removed), sticky (timeout)
    assertEquals(5, update.script().services());
    assertFalse(update.script().text().contains("stays"), "an unchanged service is not touched");
  }

  /** A LoadBalancer service port before and after its source ranges change, and without them. */
  static Models.Svc firewalled(String... ranges) {
    Models.Svc s = tcp("shop/front:https", "10.96.1.1", 443).loadBalancerIp("192.168.60.10").ready("10.244.1.2", 8443, "node-1");
    for (String r : ranges) s.sourceRange(r);
    return s;
  }

  static List<Endpoint> eps(Models.Svc s) {
    return of(s).endpointsOf(s.id());
  }

  @Test
  void goldenSourceRangesUpdate() {
    Models.Svc other = tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.3", 80, "node-1");
    NftRules.Plan first = NftRules.full(of(firewalled("203.0.113.0/24", "10.0.0.0/8"), other), NODE);
    NftRules.Plan changed = NftRules.update(first.next(), of(firewalled("203.0.113.0/24", "192.168.50.0/24"), other), NODE);
    assertFalse(changed.full());
    assertEquals(1, changed.script().services());
    // only elements: the changed range out, the new one (and, as it holds the node's address, the LB IP itself) in
    GOLDEN.check("update-source-ranges.nft", changed.script().text());
    NftRules.Plan opened = NftRules.update(changed.next(), of(firewalled(), other), NODE);
    String text = opened.script().text();
    assertTrue(text.contains("delete element ip weft_proxy firewall-ips { 192.168.60.10 . tcp . 443 }\n"), text);
    assertTrue(text.contains("delete element ip weft_proxy firewall-allowed { 192.168.60.10 . tcp . 443 . 203.0.113.0/24, "
        + "192.168.60.10 . tcp . 443 . 192.168.50.0/24, 192.168.60.10 . tcp . 443 . 192.168.60.10/32 }\n"), text);
    assertFalse(text.contains("add element ip weft_proxy firewall") || text.contains("service-ips"), "nothing else changes: " + text);
    assertEquals(NftRules.full(of(firewalled(), other), NODE).next().digest(), opened.next().digest());
  }

  @Test
  void sourceRangesAreElementsOfFirewalledLoadBalancerIpsOnly() {
    // no other golden model has ranges: not one firewall element, the rule in the fixed part only
    for (var e : GoldenModels.all().entrySet()) {
      if (e.getKey().equals("lb-source-ranges")) continue;
      String text = NftRules.full(e.getValue(), NODE).script().text();
      assertFalse(text.contains("element ip weft_proxy firewall-"), e.getKey());
    }
    ServiceRules with = NftRenderer.render(firewalled("10.0.0.0/8").build(), eps(firewalled()), NODE, true);
    ServiceRules without = NftRenderer.render(firewalled().build(), eps(firewalled()), NODE, true);
    assertEquals(without.chains(), with.chains(), "no chain of its own");
    List<ServiceRules.Element> extra = new java.util.ArrayList<>(with.elements());
    extra.removeAll(without.elements());
    assertEquals(List.of(new ServiceRules.Element(NftRenderer.FIREWALL_IPS, "192.168.60.10 . tcp . 443", null),
        new ServiceRules.Element(NftRenderer.FIREWALL_ALLOWED, "192.168.60.10 . tcp . 443 . 10.0.0.0/8", null)), extra);
    // ranges but no LoadBalancer IP (a NodePort service): the same rules as without
    Models.Svc np = tcp("shop/np:", "10.96.1.4", 80).nodePort(31081).sourceRange("10.0.0.0/8").ready("10.244.1.4", 80, "node-1");
    Models.Svc npOpen = tcp("shop/np:", "10.96.1.4", 80).nodePort(31081).ready("10.244.1.4", 80, "node-1");
    assertEquals(NftRenderer.render(npOpen.build(), eps(npOpen), NODE, true), NftRenderer.render(np.build(), eps(np), NODE, true));
  }

  @Test
  void allowedSourcesLeaveNestedRangesOut() {
    NodeContext node = NODE; // 192.168.50.1 and 172.20.0.1
    var lb = List.of(Models.addr("192.168.60.10"));
    assertEquals(List.of(IpPrefix.parse("10.0.0.0/8"), IpPrefix.parse("203.0.113.0/24")),
        NftRenderer.allowedSources(firewalled("10.1.0.0/16", "10.0.0.0/8", "203.0.113.0/24", "10.1.2.0/24").build(), lb, node));
    assertEquals(List.of(IpPrefix.parse("0.0.0.0/0")), NftRenderer.allowedSources(firewalled("192.168.50.0/24", "0.0.0.0/0").build(), lb, node),
        "the LB IP as a source is inside 0.0.0.0/0 too");
    assertEquals(List.of(IpPrefix.parse("172.20.0.1/32"), IpPrefix.parse("192.168.60.10/32")),
        NftRenderer.allowedSources(firewalled("172.20.0.1/32").build(), lb, node), "a range holding a node address: the LB IP too");
  }

  @Test
  void unchangedModelWritesNothing() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NftRules.Plan again = NftRules.update(first.next(), before(), NODE);
    assertEquals(0, again.script().services());
    assertEquals(0, again.script().written());
    assertEquals("", again.script().text());
    assertSame(first.next(), again.next());
  }

  /** The digest kept by updates equals the digest of the same model written in full. */
  @Test
  void updateDigestEqualsFullDigest() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NftRules.Plan update = NftRules.update(first.next(), after(), NODE);
    assertEquals(NftRules.full(after(), NODE).next().digest(), update.next().digest());
    assertNotEquals(first.next().digest(), update.next().digest());
    NftRules.Plan back = NftRules.update(update.next(), before(), NODE);
    assertEquals(first.next().digest(), back.next().digest());
    // handles: the canary is re-added first, then what the update allocates
    assertEquals(first.next().sync().next() + 1, update.next().sync().canary());
    assertEquals(update.next().sync().canary() + update.script().allocations(), update.next().sync().next());
    assertTrue(update.script().text().contains("comment \"" + NftScript.LAYOUT + " digest=" + Long.toHexString(update.next().digest())), update.script().text());
  }

  /** A full script rewriting an existing table in place: nothing deleted that stays, handles counted. */
  @Test
  void fullRewriteInPlace() {
    NftRules.Plan anew = NftRules.full(before(), NODE);
    NftScript.Existing existing = NftScript.Existing.parse("""
        table ip other {
        \tchain svc-default/web/http/tcp {
        \t}
        }
        table ip weft_proxy {
        \tset hairpin-endpoints {
        \t\ttype ipv4_addr . ipv4_addr
        \t}
        \tset aff-default/old/tcp__10.244.1.9/80 {
        \t}
        \tmap eps-1 {
        \t}
        \tmap eps-9 {
        \t}
        \tchain bal-9 {
        \t}
        \tmap service-ips {
        \t}
        \tchain services {
        \t}
        \tchain svc-default/old/tcp {
        \t}
        \tchain sync-canary {
        \t}
        }
        """, 100);
    assertEquals(java.util.Set.of("services", "svc-default/old/tcp", "sync-canary", "bal-9"), existing.chains());
    NftRules.Plan p = NftRules.full(anew.next(), existing);
    String text = p.script().text();
    assertTrue(text.startsWith("add table ip weft_proxy\nflush table ip weft_proxy\n"), text);
    assertFalse(text.contains("delete table"));
    assertTrue(text.contains("delete map ip weft_proxy eps-1\n") && text.contains("map eps-1 {"), "a group's map is declared again: " + text);
    assertEquals(1, text.split("delete map ip weft_proxy eps-9\n", -1).length - 1, "a stale group's map deleted once: " + text);
    assertTrue(text.contains("delete chain ip weft_proxy bal-9\n"), text);
    assertTrue(text.contains("flush map ip weft_proxy service-ips\n") && text.contains("flush set ip weft_proxy hairpin-endpoints\n"), text);
    assertTrue(text.contains("delete chain ip weft_proxy svc-default/old/tcp\n") && text.contains("delete set ip weft_proxy aff-default/old/tcp__10.244.1.9/80\n"), text);
    assertFalse(text.contains("delete chain ip weft_proxy services") || text.contains("delete chain ip weft_proxy sync-canary"), text);
    // the same rules, fewer handles: the kept chains (services, sync-canary) and maps (service-ips, hairpin-endpoints) take none
    assertEquals(anew.script().allocations() - 4, p.script().allocations());
    assertEquals(100 + p.script().allocations(), p.next().sync().canary());
    assertEquals(anew.next().digest(), p.next().digest());
    assertTrue(p.inPlace());
    assertFalse(anew.inPlace());
  }

  @Test
  void syncStateRoundTrips() {
    NftScript.SyncState st = new NftScript.SyncState(0xfedcba9876543210L, 412, 431);
    String listing = "table ip weft_proxy {\n\tset sync-state {\n\t\ttype mark\n\t\telements = { 0x00000001 comment \"" + st.comment() + "\" }\n\t}\n}\n";
    assertEquals(st, NftScript.SyncState.parse(listing));
    assertNull(NftScript.SyncState.parse("table ip weft_proxy {\n}\n"));
    assertNull(NftScript.SyncState.parse(listing.replace(NftScript.LAYOUT, "weft-nft-1")));
  }

  /** A common service port is only elements: balancing through the shared chain of its endpoint count. */
  @Test
  void commonServicesAreElementsOnly() {
    ProxyModel m = of(tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).externalIp("192.168.60.20")
        .ready("10.244.1.2", 8080, "node-1").ready("10.244.2.2", 8080, "node-2"),
        udp("default/web:dns", "10.96.0.10", 53).ready("10.244.1.2", 53, "node-1").ready("10.244.2.2", 53, "node-2"));
    NftRules.Plan p = NftRules.full(m, NODE);
    String text = p.script().text();
    for (ServiceRules r : List.of(p.next().entries().values().stream().map(NftRules.Entry::rules).toArray(ServiceRules[]::new)))
      assertTrue(r.chains().isEmpty() && r.sets().isEmpty(), r.toString());
    assertTrue(text.contains("10.96.0.10 . tcp . 80 : goto bal-2"), text);
    assertTrue(text.contains("10.96.0.10 . udp . 53 : goto bal-2"), "TCP and UDP keys apart: " + text);
    assertTrue(text.contains("10.96.0.10 . tcp . 80 . 1 : 10.244.2.2 . 8080"), text);
    assertTrue(text.contains("10.96.0.10 . udp . 53 . 0 : 10.244.1.2 . 53"), text);
    assertTrue(text.contains("192.168.60.20 . tcp . 80 : goto ext-2"), text);
    assertTrue(text.contains("tcp . 30080 : goto np-2"), text);
    assertTrue(text.contains("tcp . 30080 . 0 : 10.244.1.2 . 8080"), text);
    assertTrue(text.contains("hairpin-endpoints { 10.244.1.2 . 10.244.1.2 }"), "only the local endpoint is a hairpin candidate: " + text);
    // a third endpoint: the service's elements move to bal-3 (there from the start): elements only
    ProxyModel m2 = of(tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).externalIp("192.168.60.20")
        .ready("10.244.1.2", 8080, "node-1").ready("10.244.2.2", 8080, "node-2").ready("10.244.2.3", 8080, "node-2"),
        udp("default/web:dns", "10.96.0.10", 53).ready("10.244.1.2", 53, "node-1").ready("10.244.2.2", 53, "node-2"));
    assertTrue(text.contains("map eps-2 {") && text.contains("chain bal-2 {") && !text.contains("bal-3"), "only the groups in use: " + text);
    NftRules.Plan u = NftRules.update(p.next(), m2, NODE);
    String ut = u.script().text();
    assertFalse(u.full());
    assertFalse(ut.contains("flush") || ut.contains("delete chain") || ut.contains("delete map"), "eps-2 still used by the UDP port: " + ut);
    assertTrue(ut.contains("map eps-3 {") && ut.contains("map np-eps-3 {") && ut.contains("chain bal-3 {") && ut.contains("chain ext-3 {") && ut.contains("chain np-3 {"),
        "a new group is declared with its maps: " + ut);
    assertTrue(ut.contains("10.96.0.10 . tcp . 80 : goto bal-3") && ut.contains("10.96.0.10 . tcp . 80 . 2 : 10.244.2.3 . 8080"), ut);
    assertEquals(NftRules.full(m2, NODE).next().groups(), u.next().groups());
    assertEquals(NftRules.full(m2, NODE).next().digest(), u.next().digest());
    // the UDP port moves to 3 as well: group 2 has no user left and goes, after its elements
    ProxyModel m3 = of(tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).externalIp("192.168.60.20")
        .ready("10.244.1.2", 8080, "node-1").ready("10.244.2.2", 8080, "node-2").ready("10.244.2.3", 8080, "node-2"),
        udp("default/web:dns", "10.96.0.10", 53).ready("10.244.1.2", 53, "node-1").ready("10.244.2.2", 53, "node-2").ready("10.244.2.3", 53, "node-2"));
    String u3 = NftRules.update(u.next(), m3, NODE).script().text();
    assertFalse(u3.contains("table ip weft_proxy {"), "elements only: " + u3);
    assertTrue(u3.indexOf("delete element ip weft_proxy eps-2") < u3.indexOf("delete chain ip weft_proxy bal-2")
        && u3.indexOf("delete chain ip weft_proxy bal-2") < u3.indexOf("delete map ip weft_proxy eps-2"), u3);
    // any number of endpoints: its group comes with it, no full sync
    Models.Svc big = tcp("default/big:", "10.96.0.99", 80);
    for (int i = 0; i < 100; i++) big.ready("10.244.3." + (i + 1), 80, "node-2");
    NftRules.Plan f = NftRules.update(p.next(), of(big), NODE);
    assertFalse(f.full());
    assertTrue(f.script().text().contains("chain bal-100 {") && f.script().text().contains("numgen random mod 100 map @eps-100"), f.script().text());
  }

  @Test
  void nodeChangeMeansFull() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NodeContext other = new NodeContext("node-1", NODE.nodeIps(), NODE.clusterCidr(), IpPrefix.parse("10.244.9.0/24"));
    assertTrue(NftRules.update(first.next(), before(), other).full());
  }

  @Test
  void removedUdpEndpoints() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    Map<ServicePortName, List<Endpoint>> removed = NftRules.removedUdpEndpoints(first.next(), after(), NODE);
    assertEquals(Map.of(name("default/dns:", Protocol.UDP), List.of(new Endpoint(addr("10.244.1.2"), 53, "node-1", true, true, false))), removed);
    // a UDP service removed entirely: all its endpoints
    Map<ServicePortName, List<Endpoint>> gone = NftRules.removedUdpEndpoints(first.next(), of(), NODE);
    assertEquals(2, gone.get(name("default/dns:", Protocol.UDP)).size());
    assertEquals(1, gone.size(), "TCP services are not reported");
    assertEquals(Map.of(), NftRules.removedUdpEndpoints(null, after(), NODE));
  }

  @Test
  void longNamesAreCutAndHashed() {
    String ns = "n".repeat(63), name = "s".repeat(63), port = "p".repeat(15);
    ServicePortName id = new ServicePortName(ns, name, port, Protocol.TCP);
    String ep = NftNames.endpointChain(NftNames.base(id), new Endpoint(addr("10.244.100.200"), 65535, null, true, true, false));
    assertTrue(ep.length() <= NftNames.MAX, ep);
    String ep2 = NftNames.endpointChain(NftNames.base(id), new Endpoint(addr("10.244.100.201"), 65535, null, true, true, false));
    assertNotEquals(ep, ep2);
    assertEquals("svc-default/web/http/tcp", NftNames.serviceChain(NftNames.base(name("default/web:http", Protocol.TCP))));
    assertEquals("ep-default/web/udp__10.244.1.2/53", NftNames.endpointChain("default/web/udp", new Endpoint(addr("10.244.1.2"), 53, null, true, true, false)));
  }

  @Test
  void ipv6IsSkipped() {
    ProxyModel m = of(tcp("default/v6:", "fd00::10", 80).ready("fd00:1::2", 80, "node-1"));
    String text = NftRules.full(m, NODE).script().text();
    assertFalse(text.contains("fd00"), text);
  }
}
