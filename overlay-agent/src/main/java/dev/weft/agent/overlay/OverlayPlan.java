package dev.weft.agent.overlay;

import dev.weft.agent.overlay.KernelOp.FdbOp;
import dev.weft.agent.overlay.KernelOp.Kind;
import dev.weft.agent.overlay.KernelOp.NeighbourOp;
import dev.weft.agent.overlay.KernelOp.RouteOp;
import dev.weft.kernel.FdbEntry;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.LibC;
import dev.weft.kernel.MacAddress;
import dev.weft.kernel.Neighbour;
import dev.weft.kernel.Route;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The pure half of the peer reconcile: from the desired peers and what the kernel has on the VXLAN
 * device, the ordered writes that make the kernel match — and nothing else. Per peer (flannel's
 * model): a route {@code podCidr via <its network address> dev <vxlan> onlink proto 87}, a permanent
 * neighbour {@code <that address> lladdr <vtep MAC>} and a permanent FDB entry {@code <vtep MAC>
 * dst <vtep IP> self}.
 *
 * <p>Ownership: routes in the main table with protocol {@link #ROUTE_PROTOCOL} on the device;
 * permanent IPv4 neighbours on the device (dynamic ones are the kernel's and age out); the device's
 * own FDB entries. Nothing else is ever written. Order: stale routes go first (traffic to a leaving
 * node stops being encapsulated), then neighbours and FDB entries of new or changed peers, then
 * their routes (a route never points at a next hop that cannot be resolved), then stale
 * neighbour/FDB entries.
 */
public final class OverlayPlan {
  /** rtm_protocol of weft's overlay routes ("proto 87" in {@code ip route}). */
  public static final int ROUTE_PROTOCOL = 87;

  /** The writes, the peers programmed, and the peers refused (with why). */
  public record Result(List<KernelOp> ops, List<OverlayPeer> peers, List<String> rejected) {}

  private OverlayPlan() {}

  /**
   * @param routes IPv4 routes of the main table (any owner: only weft's are considered)
   * @param neighbours IPv4 neighbours (only those on {@code ifindex} are considered)
   * @param fdb FDB entries (only those on {@code ifindex} are considered)
   */
  public static Result plan(OverlayConfig config, int ifindex, Collection<OverlayPeer> desired, List<Route> routes,
      List<Neighbour> neighbours, List<FdbEntry> fdb) {
    List<String> rejected = new ArrayList<>();
    List<OverlayPeer> peers = accept(config, desired, rejected);

    List<KernelOp> routeRemove = new ArrayList<>(), routeSet = new ArrayList<>(), routeExtra = new ArrayList<>();
    List<KernelOp> neighSet = new ArrayList<>(), neighRemove = new ArrayList<>();
    List<KernelOp> fdbSet = new ArrayList<>(), fdbRemove = new ArrayList<>();

    // routes
    Map<IpPrefix, List<Route>> ownedRoutes = new LinkedHashMap<>();
    for (Route r : routes)
      if (r.family() == LibC.AF_INET && r.table() == Route.TABLE_MAIN && r.protocol() == ROUTE_PROTOCOL && r.oif() == ifindex && r.dst() != null)
        ownedRoutes.computeIfAbsent(r.dst().network(), k -> new ArrayList<>()).add(r);
    for (OverlayPeer p : peers) {
      Route want = route(ifindex, p);
      List<Route> have = ownedRoutes.remove(p.podCidr());
      if (have == null) {
        routeSet.add(new RouteOp(Kind.ADD, want));
        continue;
      }
      Route keep = have.stream().filter(r -> sameRoute(r, want)).findFirst()
          .orElse(have.stream().filter(r -> r.priority() == 0).findFirst().orElse(null));
      if (keep == null) routeSet.add(new RouteOp(Kind.ADD, want));
      else if (!sameRoute(keep, want)) routeSet.add(new RouteOp(Kind.CHANGE, want));
      for (Route r : have) if (r != keep) routeExtra.add(new RouteOp(Kind.REMOVE, r));
    }
    ownedRoutes.values().forEach(l -> l.forEach(r -> routeRemove.add(new RouteOp(Kind.REMOVE, r))));

    // neighbours
    Map<InetAddress, Neighbour> ownedNeigh = new HashMap<>();
    for (Neighbour n : neighbours) if (n.ifindex() == ifindex && n.family() == LibC.AF_INET) ownedNeigh.put(n.ip(), n);
    for (OverlayPeer p : peers) {
      Neighbour want = Neighbour.permanent(ifindex, p.gateway(), p.vtepMac());
      Neighbour have = ownedNeigh.remove(p.gateway());
      if (have == null) neighSet.add(new NeighbourOp(Kind.ADD, want));
      else if ((have.state() & Neighbour.NUD_PERMANENT) == 0 || !p.vtepMac().equals(have.mac())) neighSet.add(new NeighbourOp(Kind.CHANGE, want));
    }
    ownedNeigh.values().stream().filter(n -> (n.state() & Neighbour.NUD_PERMANENT) != 0).sorted(Comparator.comparing(n -> IpPrefix.format(n.ip())))
        .forEach(n -> neighRemove.add(new NeighbourOp(Kind.REMOVE, n)));

    // FDB: one entry per peer MAC; a MAC with several destinations keeps only the desired one
    Map<MacAddress, List<FdbEntry>> ownedFdb = new LinkedHashMap<>();
    for (FdbEntry e : fdb)
      if (e.ifindex() == ifindex && (e.flags() & Neighbour.NTF_MASTER) == 0) ownedFdb.computeIfAbsent(e.mac(), k -> new ArrayList<>()).add(e);
    for (OverlayPeer p : peers) {
      FdbEntry want = FdbEntry.vxlan(ifindex, p.vtepMac(), p.vtepIp());
      List<FdbEntry> have = ownedFdb.remove(p.vtepMac());
      if (have == null) {
        fdbSet.add(new FdbOp(Kind.ADD, want));
        continue;
      }
      FdbEntry keep = have.stream().filter(e -> sameFdb(config, e, want)).findFirst().orElse(null);
      if (keep == null) { // replace rewrites the MAC's first destination
        fdbSet.add(new FdbOp(Kind.CHANGE, want));
        keep = have.getFirst();
      }
      for (FdbEntry e : have) if (e != keep && !Objects.equals(e.dst(), want.dst())) fdbRemove.add(new FdbOp(Kind.REMOVE, e));
    }
    ownedFdb.values().forEach(l -> l.forEach(e -> fdbRemove.add(new FdbOp(Kind.REMOVE, e))));

    List<KernelOp> ops = new ArrayList<>();
    ops.addAll(routeRemove);
    ops.addAll(neighSet);
    ops.addAll(fdbSet);
    ops.addAll(routeSet);
    ops.addAll(routeExtra);
    ops.addAll(neighRemove);
    ops.addAll(fdbRemove);
    return new Result(List.copyOf(ops), List.copyOf(peers), List.copyOf(rejected));
  }

  /** The route weft wants for a peer. */
  public static Route route(int ifindex, OverlayPeer p) {
    return Route.builder().dst(p.podCidr()).gateway(p.gateway()).oif(ifindex).onlink(true).protocol(ROUTE_PROTOCOL)
        .scope(Route.SCOPE_UNIVERSE).type(Route.TYPE_UNICAST).table(Route.TABLE_MAIN).build();
  }

  /**
   * The peers to program, in node-name order: not this node; IPv4 pod CIDR inside the cluster CIDR,
   * not overlapping this node's or an earlier peer's; a VTEP MAC no earlier peer uses.
   */
  static List<OverlayPeer> accept(OverlayConfig config, Collection<OverlayPeer> desired, List<String> rejected) {
    List<OverlayPeer> sorted = new ArrayList<>(desired);
    sorted.sort(Comparator.comparing(OverlayPeer::nodeName).thenComparing(p -> p.podCidr().toString()));
    List<OverlayPeer> out = new ArrayList<>();
    Map<MacAddress, OverlayPeer> macs = new HashMap<>();
    for (OverlayPeer p : sorted) {
      if (p.nodeName().equals(config.nodeName())) continue;
      String why = null;
      if (!config.clusterCidr().contains(p.podCidr().address()) || p.podCidr().prefixLength() < config.clusterCidr().prefixLength())
        why = "pod CIDR " + p.podCidr() + " outside the cluster CIDR " + config.clusterCidr();
      else if (p.podCidr().overlaps(config.podCidr())) why = "pod CIDR " + p.podCidr() + " overlaps this node's " + config.podCidr();
      else {
        for (OverlayPeer q : out)
          if (q.podCidr().overlaps(p.podCidr())) why = "pod CIDR " + p.podCidr() + " overlaps " + q.nodeName() + "'s " + q.podCidr();
        if (why == null && macs.containsKey(p.vtepMac())) why = "VTEP MAC " + p.vtepMac() + " already used by " + macs.get(p.vtepMac()).nodeName();
      }
      if (why != null) {
        rejected.add(p.nodeName() + ": " + why);
        continue;
      }
      out.add(p);
      macs.put(p.vtepMac(), p);
    }
    return out;
  }

  private static boolean sameRoute(Route have, Route want) {
    return have.priority() == 0 && Objects.equals(have.gateway(), want.gateway()) && have.onlink() && have.type() == Route.TYPE_UNICAST
        && have.scope() == Route.SCOPE_UNIVERSE && have.mtu() == 0 && have.advmss() == 0 && have.src() == null;
  }

  private static boolean sameFdb(OverlayConfig config, FdbEntry have, FdbEntry want) {
    return Objects.equals(have.dst(), want.dst()) && (have.vni() == 0 || have.vni() == config.vni())
        && (have.state() & Neighbour.NUD_PERMANENT) != 0 && have.vlan() == 0;
  }
}
