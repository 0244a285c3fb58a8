package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Link operations in throw-away namespaces, each checked with iproute2 (ip -j / bridge -j). */
@RootTest
class RtnlLinkTest {
  private final TestNetns netns = new TestNetns();
  private String ns;
  private Rtnl rtnl;

  @BeforeEach
  void setUp() {
    ns = netns.create("a");
    rtnl = Rtnl.openIn(TestNetns.path(ns));
  }

  @AfterEach
  void tearDown() {
    if (rtnl != null) rtnl.close();
    netns.close();
  }

  private JsonNode observed(String dev) {
    return Sh.ip(ns, "-d", "link", "show", "dev", dev).get(0);
  }

  @Test
  void bridgeIsCreatedWithMtuAndReportedBack() {
    Link br = rtnl.addBridge("br0", 1400);
    JsonNode o = observed("br0");
    assertEquals("bridge", o.at("/linkinfo/info_kind").asText());
    assertEquals(1400, o.get("mtu").asInt());
    assertEquals(o.get("ifindex").asInt(), br.index());
    assertEquals("bridge", br.kind());
    assertEquals(o.get("address").asText(), br.mac().toString());
    assertFalse(br.isUp());
  }

  @Test
  void vethPeerLandsDirectlyInTargetNamespace() {
    String other = netns.create("b");
    MacAddress mac = MacAddress.parse("0a:58:0a:f4:01:01"), peerMac = MacAddress.parse("0a:58:0a:f4:01:02");
    rtnl.addVeth("vhost0", "eth0", TestNetns.path(other), 1450, mac, peerMac);
    JsonNode host = observed("vhost0");
    JsonNode peer = Sh.ip(other, "-d", "link", "show", "dev", "eth0").get(0);
    assertEquals("veth", host.at("/linkinfo/info_kind").asText());
    assertEquals(1450, host.get("mtu").asInt());
    assertEquals(1450, peer.get("mtu").asInt());
    assertEquals(mac.toString(), host.get("address").asText());
    assertEquals(peerMac.toString(), peer.get("address").asText());
    assertTrue(Sh.ip(ns, "link", "show").findValuesAsText("ifname").stream().noneMatch("eth0"::equals), "peer must not be here");
    Link l = rtnl.link("vhost0").orElseThrow();
    assertEquals(peer.get("ifindex").asInt(), l.parentIndex());
    assertTrue(l.linkNetnsId() >= 0, "peer lives in another netns");
  }

  @Test
  void vethInSameNamespace() {
    rtnl.addVeth("va", "vb", null, 0, null, null);
    assertEquals("veth", observed("va").at("/linkinfo/info_kind").asText());
    assertEquals("veth", observed("vb").at("/linkinfo/info_kind").asText());
    assertEquals(observed("vb").get("ifindex").asInt(), rtnl.link("va").orElseThrow().parentIndex());
  }

  @Test
  void addingExistingLinkFailsWithEexistAndNamesTheOperation() {
    Path p = TestNetns.path(ns);
    rtnl.addVeth("dup0", "dup1", null, 0, null, null);
    var e = assertThrows(KernelException.class, () -> rtnl.addVeth("dup0", "dup2", p, 0, null, null));
    assertEquals(Errno.EEXIST, e.errno());
    assertTrue(e.getMessage().contains("add veth dup0 (peer dup2 in " + p + ")"), e.getMessage());
    assertTrue(e.getMessage().contains("EEXIST"), e.getMessage());
    var b = assertThrows(KernelException.class, () -> rtnl.addBridge("dup0", 0));
    assertTrue(b.is(Errno.EEXIST));
  }

  @Test
  void deletingMissingLinkFailsWithEnodev() {
    var e = assertThrows(KernelException.class, () -> rtnl.deleteLink(9999));
    assertEquals(Errno.ENODEV, e.errno());
    assertTrue(e.getMessage().startsWith("delete link #9999: ENODEV"), e.getMessage());
  }

  @Test
  void deleteIfPresentToleratesALinkThatIsAlreadyGone() {
    rtnl.addBridge("gone0", 0);
    int idx = Sh.ifindex(ns, "gone0");
    assertTrue(rtnl.deleteLinkIfPresent("gone0"));
    assertTrue(Sh.ip(ns, "link", "show").findValuesAsText("ifname").stream().noneMatch("gone0"::equals));
    assertFalse(rtnl.deleteLinkIfPresent("gone0"));
    assertFalse(rtnl.deleteLinkIfPresent(idx), "deleted between a lookup and the delete");
  }

  @Test
  void lookupOfMissingLinkIsEmpty() {
    assertTrue(rtnl.link("nope0").isEmpty());
    assertTrue(rtnl.link(9999).isEmpty());
    assertEquals(Sh.ifindex(ns, "lo"), rtnl.link("lo").orElseThrow().index());
  }

  @Test
  void upDownMtuMacRenamePromisc() {
    rtnl.addVeth("x0", "x1", null, 0, null, null);
    int x0 = Sh.ifindex(ns, "x0");
    rtnl.setUp(x0);
    assertTrue(observed("x0").get("flags").toString().contains("\"UP\""));
    rtnl.setDown(x0);
    assertFalse(observed("x0").get("flags").toString().contains("\"UP\""));
    rtnl.setMtu(x0, 1300);
    assertEquals(1300, observed("x0").get("mtu").asInt());
    rtnl.setMac(x0, MacAddress.parse("02:00:00:00:00:42"));
    assertEquals("02:00:00:00:00:42", observed("x0").get("address").asText());
    rtnl.setPromisc(x0, true);
    assertEquals(1, observed("x0").get("promiscuity").asInt());
    rtnl.setPromisc(x0, false);
    assertEquals(0, observed("x0").get("promiscuity").asInt());
    rtnl.rename(x0, "renamed0");
    assertEquals(x0, Sh.ifindex(ns, "renamed0"));
    rtnl.deleteLink(x0);
    assertTrue(Sh.ip(ns, "link", "show").findValuesAsText("ifname").stream().noneMatch(n -> n.startsWith("x") || n.startsWith("renamed")));
  }

  @Test
  void listsLinksWithKindsAndMaster() {
    Link br = rtnl.addBridge("br1", 0);
    rtnl.addVeth("p0", "p1", null, 0, null, null);
    int p0 = Sh.ifindex(ns, "p0");
    rtnl.setMaster(p0, br.index());
    assertEquals("br1", observed("p0").get("master").asText());
    var links = rtnl.links();
    assertEquals(Sh.ip(ns, "link", "show").size(), links.size());
    Link p = links.stream().filter(l -> l.name().equals("p0")).findFirst().orElseThrow();
    assertEquals(br.index(), p.masterIndex());
    assertEquals("veth", p.kind());
    assertEquals("bridge", p.slaveKind());
    rtnl.setMaster(p0, 0);
    assertFalse(observed("p0").has("master"));
  }

  @Test
  void movesLinkToAnotherNamespace() {
    String other = netns.create("c");
    rtnl.addVeth("m0", "m1", null, 0, null, null);
    rtnl.moveToNetns(Sh.ifindex(ns, "m1"), TestNetns.path(other));
    assertEquals(1, Sh.ip(other, "link", "show", "dev", "m1").size());
    assertTrue(Sh.ip(ns, "link", "show").findValuesAsText("ifname").stream().noneMatch("m1"::equals));
  }

  @Test
  void hairpinAndLearningOnBridgePort() {
    Link br = rtnl.addBridge("br2", 0);
    rtnl.addVeth("h0", "h1", null, 0, null, null);
    int h0 = Sh.ifindex(ns, "h0");
    rtnl.setMaster(h0, br.index());
    rtnl.setHairpin(h0, true);
    JsonNode port = Sh.bridge(ns, "-d", "link", "show", "dev", "h0").get(0);
    assertTrue(port.get("hairpin").asBoolean(), port.toString());
    rtnl.setBridgePortLearning(h0, false);
    port = Sh.bridge(ns, "-d", "link", "show", "dev", "h0").get(0);
    assertFalse(port.get("learning").asBoolean(), port.toString());
    rtnl.setHairpin(h0, false);
    assertFalse(Sh.bridge(ns, "-d", "link", "show", "dev", "h0").get(0).get("hairpin").asBoolean());
  }

  @Test
  void bridgeVlans() {
    Link br = rtnl.addBridge("br3", 0);
    // some kernels are built without CONFIG_BRIDGE_VLAN_FILTERING: ask iproute2 first
    Assumptions.assumeTrue(Sh.exec(null, null, java.util.List.of("ip", "-n", ns, "link", "set", "br3", "type", "bridge", "vlan_filtering", "0")).exit() == 0,
        "kernel without bridge VLAN filtering");
    rtnl.setBridgeVlanFiltering(br.index(), true);
    assertEquals(1, observed("br3").at("/linkinfo/info_data/vlan_filtering").asInt());
    rtnl.addVeth("v0", "v1", null, 0, null, null);
    int v0 = Sh.ifindex(ns, "v0");
    rtnl.setMaster(v0, br.index());
    rtnl.addBridgeVlan(v0, 100, true, true);
    rtnl.addBridgeVlan(v0, 200, false, false);
    JsonNode vlans = Sh.bridge(ns, "vlan", "show", "dev", "v0").get(0).get("vlans");
    String s = vlans.toString();
    JsonNode v100 = null, v200 = null;
    for (JsonNode v : vlans) {
      if (v.get("vlan").asInt() == 100) v100 = v;
      if (v.get("vlan").asInt() == 200) v200 = v;
    }
    assertNotNull(v100, s);
    assertNotNull(v200, s);
    assertTrue(v100.get("flags").toString().contains("PVID") && v100.get("flags").toString().contains("Egress Untagged"), s);
    assertFalse(v200.has("flags") && v200.get("flags").toString().contains("PVID"), s);
    rtnl.deleteBridgeVlan(v0, 200, false);
    assertFalse(Sh.bridge(ns, "vlan", "show", "dev", "v0").toString().contains("200"));
    rtnl.addBridgeVlan(br.index(), 300, false, false, true);
    assertTrue(Sh.bridge(ns, "vlan", "show", "dev", "br3").toString().contains("300"));
    rtnl.setBridgeVlanFiltering(br.index(), false);
    assertEquals(0, observed("br3").at("/linkinfo/info_data/vlan_filtering").asInt());
  }

  @Test
  void vxlanDevice() {
    rtnl.addVeth("u0", "u1", null, 0, null, null);
    int u0 = Sh.ifindex(ns, "u0");
    Link vx = rtnl.addVxlan(new VxlanSpec("vx0", 4242, IpPrefix.parseAddress("192.0.2.1"), u0, 4789, false, 1400, null));
    JsonNode d = observed("vx0").at("/linkinfo/info_data");
    assertEquals(4242, d.get("id").asInt());
    assertEquals("192.0.2.1", d.get("local").asText());
    assertEquals(4789, d.get("port").asInt());
    assertEquals("u0", d.get("link").asText());
    assertFalse(d.get("learning").asBoolean());
    assertEquals(1400, observed("vx0").get("mtu").asInt());
    assertEquals("vxlan", vx.kind());
    assertEquals(new Link.Vxlan(4242, IpPrefix.parseAddress("192.0.2.1"), 4789, u0, false), vx.vxlan());
  }

  @Test
  void alias() {
    Link br = rtnl.addBridge("br4", 0);
    assertNull(br.alias());
    rtnl.setAlias(br.index(), "pod default/web-0");
    assertEquals("pod default/web-0", observed("br4").get("ifalias").asText());
    assertEquals("pod default/web-0", rtnl.link(br.index()).orElseThrow().alias());
  }

  @Test
  void invalidNamesAreRejectedBeforeTheKernel() {
    assertThrows(IllegalArgumentException.class, () -> rtnl.addBridge("this-name-is-too-long", 0));
    assertThrows(IllegalArgumentException.class, () -> rtnl.addBridge("a/b", 0));
  }
}
