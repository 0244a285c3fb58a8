package dev.weft.kernel;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A NETLINK_ROUTE socket with a typed API for links, addresses, routes, neighbours and the bridge
 * FDB. The socket acts on the network namespace it was created in ({@link #open}: the calling
 * thread's; {@link #openIn}: the given one, without switching the caller's thread). Every failure
 * is a {@link KernelException} naming the operation and the errno, with the kernel's extended-ack
 * text when it sends one. One request at a time (methods are synchronized on the socket).
 */
public final class Rtnl implements AutoCloseable {
  private final NetlinkSocket sock;

  private Rtnl(NetlinkSocket sock) {
    this.sock = sock;
  }

  /** A socket in the calling thread's network namespace. */
  public static Rtnl open() {
    return new Rtnl(NetlinkSocket.open(LibC.NETLINK_ROUTE));
  }

  /** A socket created inside {@code netns} (on a helper thread); it keeps acting there. */
  public static Rtnl openIn(Path netns) {
    return NetNs.call(netns, Rtnl::open);
  }

  @Override
  public void close() {
    sock.close();
  }

  // ------------------------------------------------------------------------------------ links

  public Optional<Link> link(String name) {
    return Optional.ofNullable(sock.get(LinkRequests.getByName(name), Errno.ENODEV, Link::parse));
  }

  public Optional<Link> link(int index) {
    return Optional.ofNullable(sock.get(LinkRequests.getByIndex(index), Errno.ENODEV, Link::parse));
  }

  /** The link, or KernelException ENODEV naming it. */
  public Link requireLink(String name) {
    return link(name).orElseThrow(() -> new KernelException("get link " + name, Errno.ENODEV, null));
  }

  public List<Link> links() {
    return sock.dump(LinkRequests.dump(), m -> m.type() == Netlink.RTM_NEWLINK ? Link.parse(m) : null);
  }

  /** Creates a bridge (mtu 0 = default) and returns it as the kernel reports it. */
  public Link addBridge(String name, int mtu) {
    sock.request(LinkRequests.addBridge(name, mtu));
    return requireLink(name);
  }

  /**
   * Creates a veth pair with one RTM_NEWLINK; the peer is created directly in {@code peerNetns}
   * (null = this socket's namespace). mtu 0 = default; null MACs = random.
   */
  public void addVeth(String name, String peerName, Path peerNetns, int mtu, MacAddress mac, MacAddress peerMac) {
    int nsFd = peerNetns == null ? -1 : NetNs.openNs(peerNetns);
    try {
      sock.request(LinkRequests.addVeth(name, peerName, nsFd, peerNetns == null ? null : peerNetns.toString(), mtu, mac, peerMac));
    } finally {
      if (nsFd >= 0) closeQuietly(nsFd);
    }
  }

  public Link addVxlan(VxlanSpec spec) {
    sock.request(LinkRequests.addVxlan(spec));
    return requireLink(spec.name());
  }

  public void setUp(int ifindex) {
    sock.request(LinkRequests.setFlag(ifindex, Link.IFF_UP, true, "set link #" + ifindex + " up"));
  }

  public void setDown(int ifindex) {
    sock.request(LinkRequests.setFlag(ifindex, Link.IFF_UP, false, "set link #" + ifindex + " down"));
  }

  public void setPromisc(int ifindex, boolean on) {
    sock.request(LinkRequests.setFlag(ifindex, Link.IFF_PROMISC, on, "set link #" + ifindex + " promisc " + (on ? "on" : "off")));
  }

  public void setMtu(int ifindex, int mtu) {
    sock.request(LinkRequests.modify(ifindex, "set link #" + ifindex + " mtu " + mtu).attrU32(LinkRequests.IFLA_MTU, mtu));
  }

  /** Sets the interface alias (IFLA_IFALIAS, at most 255 bytes), shown by `ip link` as "alias". */
  public void setAlias(int ifindex, String alias) {
    sock.request(LinkRequests.modify(ifindex, "set link #" + ifindex + " alias " + alias).attrString(LinkRequests.IFLA_IFALIAS, alias));
  }

  public void setMac(int ifindex, MacAddress mac) {
    sock.request(LinkRequests.modify(ifindex, "set link #" + ifindex + " address " + mac).attr(LinkRequests.IFLA_ADDRESS, mac.bytes()));
  }

  /** Enslaves the link to a bridge; masterIndex 0 = nomaster. */
  public void setMaster(int ifindex, int masterIndex) {
    String op = "set link #" + ifindex + (masterIndex == 0 ? " nomaster" : " master #" + masterIndex);
    sock.request(LinkRequests.modify(ifindex, op).attrU32(LinkRequests.IFLA_MASTER, masterIndex));
  }

  public void rename(int ifindex, String newName) {
    LinkRequests.checkName(newName);
    sock.request(LinkRequests.modify(ifindex, "rename link #" + ifindex + " to " + newName).attrString(LinkRequests.IFLA_IFNAME, newName));
  }

  public void deleteLink(int ifindex) {
    sock.request(LinkRequests.delete(ifindex));
  }

  /**
   * Deletes the link named {@code name} if there is one; false when there is none, including when it
   * vanishes between the lookup and the delete (a veth whose peer's namespace is being destroyed is
   * removed by the kernel on its own, asynchronously).
   */
  public boolean deleteLinkIfPresent(String name) {
    Optional<Link> l = link(name);
    return l.isPresent() && deleteLinkIfPresent(l.get().index());
  }

  /** Deletes link {@code ifindex}; false when it does not exist (any more). */
  public boolean deleteLinkIfPresent(int ifindex) {
    try {
      deleteLink(ifindex);
      return true;
    } catch (KernelException e) {
      if (e.errno() == Errno.ENODEV) return false;
      throw e;
    }
  }

  /** Moves the link into another namespace (it disappears from this one). */
  public void moveToNetns(int ifindex, Path netns) {
    int nsFd = NetNs.openNs(netns);
    try {
      sock.request(LinkRequests.modify(ifindex, "move link #" + ifindex + " to netns " + netns).attrU32(LinkRequests.IFLA_NET_NS_FD, nsFd));
    } finally {
      closeQuietly(nsFd);
    }
  }

  /** The bridge-port hairpin flag (IFLA_BRPORT_MODE), like {@code bridge link set dev X hairpin on}. */
  public void setHairpin(int portIfindex, boolean on) {
    sock.request(LinkRequests.setBridgePortFlag(portIfindex, LinkRequests.IFLA_BRPORT_MODE, on,
        "set bridge port #" + portIfindex + " hairpin " + (on ? "on" : "off")));
  }

  /** The bridge-port learning flag (IFLA_BRPORT_LEARNING), like {@code bridge link set dev X learning off}. */
  public void setBridgePortLearning(int portIfindex, boolean on) {
    sock.request(LinkRequests.setBridgePortFlag(portIfindex, LinkRequests.IFLA_BRPORT_LEARNING, on,
        "set bridge port #" + portIfindex + " learning " + (on ? "on" : "off")));
  }

  /** {@code bridge vlan add vid V dev PORT [pvid] [untagged]} on a bridge port. */
  public void addBridgeVlan(int portIfindex, int vid, boolean pvid, boolean untagged) {
    addBridgeVlan(portIfindex, vid, pvid, untagged, false);
  }

  /** As above; {@code self} = the VLAN of the bridge device itself (BRIDGE_FLAGS_SELF). */
  public void addBridgeVlan(int ifindex, int vid, boolean pvid, boolean untagged, boolean self) {
    sock.request(LinkRequests.bridgeVlan(true, ifindex, vid, pvid, untagged, self));
  }

  public void deleteBridgeVlan(int ifindex, int vid, boolean self) {
    sock.request(LinkRequests.bridgeVlan(false, ifindex, vid, false, false, self));
  }

  public void setBridgeVlanFiltering(int bridgeIfindex, boolean on) {
    sock.request(LinkRequests.setBridgeVlanFiltering(bridgeIfindex, on));
  }

  // -------------------------------------------------------------------------------- addresses

  public void addAddress(int ifindex, IpPrefix addr) {
    addAddress(ifindex, addr, 0);
  }

  /** With IFA_F_* flags, e.g. {@link Address#IFA_F_NODAD} for an IPv6 address usable at once. */
  public void addAddress(int ifindex, IpPrefix addr, int flags) {
    sock.request(AddressRequests.add(ifindex, addr, flags));
  }

  public void deleteAddress(int ifindex, IpPrefix addr) {
    sock.request(AddressRequests.delete(ifindex, addr));
  }

  /** Addresses of one link (0 = all links) in one family (0 = IPv4 and IPv6). */
  public List<Address> addresses(int ifindex, int family) {
    List<Address> all = sock.dump(AddressRequests.dump(family), m -> m.type() == Netlink.RTM_NEWADDR ? Address.parse(m) : null);
    if (ifindex == 0) return all;
    List<Address> out = new ArrayList<>();
    for (Address a : all) if (a.ifindex() == ifindex) out.add(a);
    return out;
  }

  // ----------------------------------------------------------------------------------- routes

  public void addRoute(Route r) {
    sock.request(RouteRequests.add(r));
  }

  public void replaceRoute(Route r) {
    sock.request(RouteRequests.replace(r));
  }

  public void deleteRoute(Route r) {
    sock.request(RouteRequests.delete(r));
  }

  /** Routes of one family (0 = both) in one table (0 = all tables). */
  public List<Route> routes(int family, int table) {
    List<Route> all = sock.dump(RouteRequests.dump(family), m -> m.type() == Netlink.RTM_NEWROUTE ? Route.parse(m) : null);
    if (table == 0) return all;
    List<Route> out = new ArrayList<>();
    for (Route r : all) if (r.table() == table) out.add(r);
    return out;
  }

  // ------------------------------------------------------------------------------- neighbours

  public void addNeighbour(Neighbour n) {
    sock.request(NeighbourRequests.neighbour(Netlink.RTM_NEWNEIGH, Netlink.CREATE_EXCL, "add", n));
  }

  public void replaceNeighbour(Neighbour n) {
    sock.request(NeighbourRequests.neighbour(Netlink.RTM_NEWNEIGH, Netlink.CREATE_REPLACE, "replace", n));
  }

  public void deleteNeighbour(Neighbour n) {
    sock.request(NeighbourRequests.neighbour(Netlink.RTM_DELNEIGH, Netlink.NLM_F_ACK, "delete", n));
  }

  /** ARP/NDP entries of one link (0 = all) in one family (0 = IPv4 and IPv6; never FDB entries). */
  public List<Neighbour> neighbours(int ifindex, int family) {
    List<Neighbour> all = sock.dump(NeighbourRequests.dump(family), m -> m.type() == Netlink.RTM_NEWNEIGH ? Neighbour.parse(m) : null);
    List<Neighbour> out = new ArrayList<>();
    for (Neighbour n : all) if (ifindex == 0 || n.ifindex() == ifindex) out.add(n);
    return out;
  }

  // ---------------------------------------------------------------------------------- FDB

  /** {@code bridge fdb append}: adds another destination for the MAC (how VXLAN flood lists grow). */
  public void appendFdb(FdbEntry e) {
    sock.request(NeighbourRequests.fdb(Netlink.RTM_NEWNEIGH, Netlink.CREATE_APPEND, "append", e));
  }

  /** {@code bridge fdb replace}: the MAC's single entry (created or overwritten). */
  public void replaceFdb(FdbEntry e) {
    sock.request(NeighbourRequests.fdb(Netlink.RTM_NEWNEIGH, Netlink.CREATE_REPLACE, "replace", e));
  }

  /** {@code bridge fdb del}: with dst set, only that destination of a VXLAN entry. */
  public void deleteFdb(FdbEntry e) {
    sock.request(NeighbourRequests.fdb(Netlink.RTM_DELNEIGH, Netlink.NLM_F_ACK, "delete", e));
  }

  /** FDB entries on one device (0 = all devices). */
  public List<FdbEntry> fdb(int ifindex) {
    List<FdbEntry> all = sock.dump(NeighbourRequests.dump(LibC.AF_BRIDGE), m -> m.type() == Netlink.RTM_NEWNEIGH ? FdbEntry.parse(m) : null);
    if (ifindex == 0) return all;
    List<FdbEntry> out = new ArrayList<>();
    for (FdbEntry e : all) if (e.ifindex() == ifindex) out.add(e);
    return out;
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException ignored) {
      // nothing to do
    }
  }
}
