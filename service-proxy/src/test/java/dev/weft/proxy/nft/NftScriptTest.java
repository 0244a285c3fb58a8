package dev.weft.proxy.nft;

import static dev.weft.proxy.testing.Models.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.testing.ServiceTopology;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NftScriptTest {
  static final NodeContext NODE = ServiceTopology.NODE_CONTEXT;

  @Test
  void goldenFullScripts() {
    for (var e : GoldenModels.all().entrySet()) Golden.check(e.getKey() + ".nft", NftRules.full(e.getValue(), NODE).script().text());
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
    NftRules.Plan update = NftRules.update(first.next(), after(), NODE, 42);
    assertFalse(update.full());
    Golden.check("update.nft", update.script().text());
    // web (endpoint added), goes (removed), comes (new), dns (endpoint removed), sticky (timeout)
    assertEquals(5, update.script().services());
    assertFalse(update.script().text().contains("stays"), "an unchanged service is not touched");
  }

  @Test
  void unchangedModelWritesOnlyTheCanary() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NftRules.Plan again = NftRules.update(first.next(), before(), NODE, 42);
    assertEquals(0, again.script().services());
    assertEquals(0, again.script().written());
    assertEquals(2, again.script().text().lines().count(), again.script().text());
  }

  @Test
  void nodeChangeMeansFull() {
    NftRules.Plan first = NftRules.full(before(), NODE);
    NodeContext other = new NodeContext("node-1", NODE.nodeIps(), NODE.clusterCidr(), IpPrefix.parse("10.244.9.0/24"));
    assertTrue(NftRules.update(first.next(), before(), other, 42).full());
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
