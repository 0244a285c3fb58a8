package dev.weft.agent.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.FdbEntry;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.MacAddress;
import dev.weft.kernel.Neighbour;
import dev.weft.kernel.Route;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The diff alone, on kernel state written as the dumps parse it. */
class OverlayPlanTest {
  private static final int VX = 9, ETH = 2;
  private static final OverlayConfig ME = OverlayConfig.of("node-1", "eth0", IpPrefix.parseAddress("192.168.77.1"),
      IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.0.0/16"));
  private static final OverlayPeer P2 = peer("node-2", 2), P3 = peer("node-3", 3);

  private static OverlayPeer peer(String name, int i) {
    return new OverlayPeer(name, IpPrefix.parse("10.244." + i + ".0/24"), IpPrefix.parseAddress("192.168.77." + i), VxlanDevice.vtepMac(name));
  }

  /** What the kernel holds after a correct reconcile (as parsed from dumps: real protocol, scope, type). */
  private static Kernel programmed(OverlayPeer... peers) {
    Kernel k = new Kernel();
    for (OverlayPeer p : peers) {
      k.routes.add(new Route(0, p.podCidr(), p.gateway(), VX, Route.SCOPE_UNIVERSE, Route.TABLE_MAIN, true, 0, OverlayPlan.ROUTE_PROTOCOL, Route.TYPE_UNICAST, 0, 0, null));
      k.neigh.add(new Neighbour(VX, p.gateway(), p.vtepMac(), Neighbour.NUD_PERMANENT, 0));
      k.fdb.add(new FdbEntry(VX, p.vtepMac(), p.vtepIp(), 0, 0, Neighbour.NUD_PERMANENT | Neighbour.NUD_NOARP, Neighbour.NTF_SELF, 0));
    }
    return k;
  }

  static final class Kernel {
    final List<Route> routes = new ArrayList<>();
    final List<Neighbour> neigh = new ArrayList<>();
    final List<FdbEntry> fdb = new ArrayList<>();

    OverlayPlan.Result plan(OverlayPeer... desired) {
      return OverlayPlan.plan(ME, VX, Set.of(desired), routes, neigh, fdb);
    }
  }

  private static List<String> ops(OverlayPlan.Result r) {
    return r.ops().stream().map(Object::toString).toList();
  }

  @Test
  void anEmptyKernelGetsNeighbourAndFdbBeforeEachRoute() {
    var r = new Kernel().plan(P3, P2, peer("node-1", 1));
    assertEquals(List.of(
        "add neigh 10.244.2.0 lladdr " + P2.vtepMac() + " dev #9",
        "add neigh 10.244.3.0 lladdr " + P3.vtepMac() + " dev #9",
        "add fdb " + P2.vtepMac() + " dst 192.168.77.2 dev #9",
        "add fdb " + P3.vtepMac() + " dst 192.168.77.3 dev #9",
        "add route 10.244.2.0/24 via 10.244.2.0 dev #9 onlink proto 87",
        "add route 10.244.3.0/24 via 10.244.3.0 dev #9 onlink proto 87"), ops(r));
    assertEquals(List.of(P2, P3), r.peers(), "this node is skipped");
  }

  @Test
  void aCorrectKernelNeedsNothing() {
    assertEquals(List.of(), ops(programmed(P2, P3).plan(P2, P3)));
  }

  @Test
  void aLeavingPeerLosesItsRouteFirst() {
    var r = programmed(P2, P3).plan(P2);
    assertEquals(List.of(
        "delete route 10.244.3.0/24 via 10.244.3.0 dev #9 onlink proto 87",
        "delete neigh 10.244.3.0 lladdr " + P3.vtepMac() + " dev #9",
        "delete fdb " + P3.vtepMac() + " dst 192.168.77.3 dev #9"), ops(r));
  }

  @Test
  void aPeerWithANewVtepIsChangedInPlace() {
    var moved = new OverlayPeer("node-3", P3.podCidr(), IpPrefix.parseAddress("192.168.77.33"), MacAddress.parse("02:00:00:00:00:33"));
    var r = programmed(P2, P3).plan(P2, moved);
    assertEquals(List.of(
        "replace neigh 10.244.3.0 lladdr 02:00:00:00:00:33 dev #9",
        "add fdb 02:00:00:00:00:33 dst 192.168.77.33 dev #9",
        "delete fdb " + P3.vtepMac() + " dst 192.168.77.3 dev #9"), ops(r));
    var ipOnly = new OverlayPeer("node-3", P3.podCidr(), IpPrefix.parseAddress("192.168.77.33"), P3.vtepMac());
    assertEquals(List.of("replace fdb " + P3.vtepMac() + " dst 192.168.77.33 dev #9"), ops(programmed(P2, P3).plan(P2, ipOnly)));
  }

  @Test
  void onlyWeftsEntriesAreConsidered() {
    Kernel k = programmed(P2);
    // a foreign route to a peer CIDR is not weft's: weft adds its own (the kernel refuses if they clash)
    k.routes.add(Route.builder().dst("10.244.3.0/24").gateway("192.168.77.100").oif(ETH).protocol(Route.PROTO_BOOT).build());
    k.routes.add(Route.builder().dst("10.98.0.0/24").gateway("192.168.77.100").oif(ETH).protocol(OverlayPlan.ROUTE_PROTOCOL).build());
    k.routes.add(Route.builder().dst("10.97.0.0/24").gateway("10.97.0.1").oif(VX).protocol(Route.PROTO_BOOT).build());
    k.neigh.add(Neighbour.permanent(ETH, IpPrefix.parseAddress("192.168.77.55"), MacAddress.parse("02:00:00:00:00:55")));
    k.neigh.add(new Neighbour(VX, IpPrefix.parseAddress("10.244.9.9"), null, Neighbour.NUD_FAILED, 0)); // the kernel's, ages out
    k.fdb.add(FdbEntry.bridgePort(ETH, MacAddress.parse("02:00:00:00:00:66"), 0));
    assertEquals(List.of(), ops(k.plan(P2)));
  }

  @Test
  void driftIsRepairedEntryByEntry() {
    Kernel k = programmed(P2, P3);
    k.routes.removeIf(r -> r.dst().equals(P2.podCidr()));
    k.neigh.replaceAll(n -> n.ip().equals(P3.gateway()) ? new Neighbour(VX, n.ip(), MacAddress.parse("02:de:ad:be:ef:01"), Neighbour.NUD_PERMANENT, 0) : n);
    k.fdb.add(FdbEntry.vxlan(VX, MacAddress.parse("02:de:ad:be:ef:02"), IpPrefix.parseAddress("192.168.77.99")));
    k.fdb.add(FdbEntry.vxlan(VX, P3.vtepMac(), IpPrefix.parseAddress("192.168.77.98")));
    k.routes.add(new Route(0, P3.podCidr(), P3.gateway(), VX, Route.SCOPE_UNIVERSE, Route.TABLE_MAIN, true, 100, OverlayPlan.ROUTE_PROTOCOL, Route.TYPE_UNICAST, 0, 0, null));
    assertEquals(List.of(
        "replace neigh 10.244.3.0 lladdr " + P3.vtepMac() + " dev #9",
        "add route 10.244.2.0/24 via 10.244.2.0 dev #9 onlink proto 87",
        "delete route 10.244.3.0/24 via 10.244.3.0 dev #9 onlink metric 100 proto 87",
        "delete fdb " + P3.vtepMac() + " dst 192.168.77.98 dev #9",
        "delete fdb 02:de:ad:be:ef:02 dst 192.168.77.99 dev #9"), ops(k.plan(P2, P3)));
  }

  @Test
  void aRouteWithTheWrongGatewayOrADynamicNeighbourIsReplaced() {
    Kernel k = programmed(P2);
    k.routes.replaceAll(r -> new Route(0, r.dst(), IpPrefix.parseAddress("10.244.2.1"), VX, r.scope(), r.table(), true, 0, r.protocol(), r.type(), 0, 0, null));
    k.neigh.replaceAll(n -> new Neighbour(VX, n.ip(), n.mac(), Neighbour.NUD_REACHABLE, 0));
    assertEquals(List.of(
        "replace neigh 10.244.2.0 lladdr " + P2.vtepMac() + " dev #9",
        "replace route 10.244.2.0/24 via 10.244.2.0 dev #9 onlink proto 87"), ops(k.plan(P2)));
  }

  @Test
  void conflictingPeersAreRejectedNotProgrammed() {
    var overlapsMe = new OverlayPeer("node-0", IpPrefix.parse("10.244.1.0/25"), IpPrefix.parseAddress("192.168.77.50"), MacAddress.parse("02:00:00:00:00:50"));
    var overlapsP2 = new OverlayPeer("node-9", IpPrefix.parse("10.244.2.0/24"), IpPrefix.parseAddress("192.168.77.9"), MacAddress.parse("02:00:00:00:00:09"));
    var outside = new OverlayPeer("node-x", IpPrefix.parse("10.10.0.0/24"), IpPrefix.parseAddress("192.168.77.10"), MacAddress.parse("02:00:00:00:00:10"));
    var sameMac = new OverlayPeer("node-z", IpPrefix.parse("10.244.7.0/24"), IpPrefix.parseAddress("192.168.77.7"), P2.vtepMac());
    var r = new Kernel().plan(P2, overlapsMe, overlapsP2, outside, sameMac);
    assertEquals(List.of(P2), r.peers());
    assertEquals(4, r.rejected().size(), r.rejected().toString());
    assertTrue(r.rejected().getFirst().startsWith("node-0: pod CIDR 10.244.1.0/25 overlaps this node's"), r.rejected().toString());
  }
}
