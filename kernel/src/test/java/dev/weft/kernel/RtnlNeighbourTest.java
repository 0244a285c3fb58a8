package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ARP/NDP neighbours and the bridge/VXLAN FDB, observed with ip -j neigh and bridge -j fdb. */
@RootTest
class RtnlNeighbourTest {
  private final TestNetns netns = new TestNetns();
  private String ns;
  private Rtnl rtnl;

  @BeforeEach
  void setUp() {
    ns = netns.create("n");
    rtnl = Rtnl.openIn(TestNetns.path(ns));
  }

  @AfterEach
  void tearDown() {
    if (rtnl != null) rtnl.close();
    netns.close();
  }

  private static InetAddress ip(String s) {
    return IpPrefix.parseAddress(s);
  }

  @Test
  void permanentNeighbours() {
    rtnl.addVeth("eth0", "p0", null, 0, null, null);
    int eth = Sh.ifindex(ns, "eth0");
    MacAddress mac = MacAddress.parse("0a:58:0a:f4:01:09");
    rtnl.addNeighbour(Neighbour.permanent(eth, ip("10.244.1.9"), mac));
    rtnl.addNeighbour(Neighbour.permanent(eth, ip("fd00::9"), mac));
    JsonNode n = Sh.ip(ns, "-4", "neigh", "show", "dev", "eth0").get(0);
    assertEquals("10.244.1.9", n.get("dst").asText());
    assertEquals(mac.toString(), n.get("lladdr").asText());
    assertEquals("PERMANENT", n.get("state").get(0).asText());
    assertEquals("fd00::9", Sh.ip(ns, "-6", "neigh", "show", "dev", "eth0", "nud", "permanent").get(0).get("dst").asText());

    assertEquals(Errno.EEXIST, assertThrows(KernelException.class, () -> rtnl.addNeighbour(Neighbour.permanent(eth, ip("10.244.1.9"), mac))).errno());
    MacAddress other = MacAddress.parse("0a:58:0a:f4:01:0a");
    rtnl.replaceNeighbour(Neighbour.permanent(eth, ip("10.244.1.9"), other));
    assertEquals(other.toString(), Sh.ip(ns, "-4", "neigh", "show", "dev", "eth0").get(0).get("lladdr").asText());

    List<Neighbour> listed = rtnl.neighbours(eth, 0);
    assertTrue(listed.contains(new Neighbour(eth, ip("10.244.1.9"), other, Neighbour.NUD_PERMANENT, 0)), listed.toString());
    assertTrue(rtnl.neighbours(eth, LibC.AF_INET6).stream().allMatch(x -> x.family() == LibC.AF_INET6));

    rtnl.deleteNeighbour(Neighbour.permanent(eth, ip("10.244.1.9"), null));
    assertEquals(0, Sh.ip(ns, "-4", "neigh", "show", "dev", "eth0").size());
    assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> rtnl.deleteNeighbour(Neighbour.permanent(eth, ip("10.244.1.9"), null))).errno());
  }

  @Test
  void vxlanFloodListAndUnicastEntries() {
    Link vx = rtnl.addVxlan(VxlanSpec.of("vx0", 1, ip("192.0.2.1")));
    rtnl.appendFdb(FdbEntry.vxlan(vx.index(), FdbEntry.ZERO, ip("192.0.2.2")));
    rtnl.appendFdb(FdbEntry.vxlan(vx.index(), FdbEntry.ZERO, ip("192.0.2.3")));
    MacAddress remote = MacAddress.parse("0a:58:0a:f4:02:01");
    rtnl.replaceFdb(FdbEntry.vxlan(vx.index(), remote, ip("192.0.2.2")));
    rtnl.replaceFdb(FdbEntry.vxlan(vx.index(), remote, ip("192.0.2.4"))); // moved: one entry, new VTEP

    JsonNode fdb = Sh.bridge(ns, "fdb", "show", "dev", "vx0");
    List<String> flood = fdb.findParents("mac").stream().filter(e -> e.get("mac").asText().equals("00:00:00:00:00:00"))
        .map(e -> e.get("dst").asText()).sorted().toList();
    assertEquals(List.of("192.0.2.2", "192.0.2.3"), flood);
    List<JsonNode> uni = fdb.findParents("mac").stream().filter(e -> e.get("mac").asText().equals(remote.toString())).toList();
    assertEquals(1, uni.size(), fdb.toString());
    assertEquals("192.0.2.4", uni.get(0).get("dst").asText());
    assertEquals("permanent", uni.get(0).get("state").asText());

    List<FdbEntry> listed = rtnl.fdb(vx.index());
    assertEquals(3, listed.stream().filter(e -> e.dst() != null).count(), listed.toString());

    rtnl.deleteFdb(FdbEntry.vxlan(vx.index(), FdbEntry.ZERO, ip("192.0.2.3")));
    assertFalse(Sh.bridge(ns, "fdb", "show", "dev", "vx0").toString().contains("192.0.2.3"));
    assertTrue(Sh.bridge(ns, "fdb", "show", "dev", "vx0").toString().contains("192.0.2.2"));
  }

  @Test
  void bridgePortStaticEntry() {
    Link br = rtnl.addBridge("br0", 0);
    rtnl.addVeth("p0", "p1", null, 0, null, null);
    int p0 = Sh.ifindex(ns, "p0");
    rtnl.setMaster(p0, br.index());
    MacAddress mac = MacAddress.parse("0a:58:0a:f4:03:01");
    rtnl.replaceFdb(FdbEntry.bridgePort(p0, mac, 0));
    JsonNode e = Sh.bridge(ns, "fdb", "show", "dev", "p0").findParents("mac").stream()
        .filter(x -> x.get("mac").asText().equals(mac.toString())).findFirst().orElseThrow();
    assertEquals("br0", e.get("master").asText());
    assertEquals("static", e.get("state").asText());
    assertTrue(rtnl.fdb(p0).stream().anyMatch(x -> x.mac().equals(mac) && x.masterIndex() == br.index()));
    rtnl.deleteFdb(FdbEntry.bridgePort(p0, mac, 0));
    assertFalse(Sh.bridge(ns, "fdb", "show", "dev", "p0").toString().contains(mac.toString()));
  }
}
