package dev.weft.agent.overlay;

import dev.weft.kernel.Address;
import dev.weft.kernel.Errno;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.KernelException;
import dev.weft.kernel.LibC;
import dev.weft.kernel.Link;
import dev.weft.kernel.MacAddress;
import dev.weft.kernel.Rtnl;
import dev.weft.kernel.VxlanSpec;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's VXLAN device, kept as the config says: learning off, bound to the underlay device and
 * address, the configured VNI and port, MTU = underlay − 50, up, carrying the pod CIDR's network
 * address /32, and a MAC derived from the node name, so a restarted agent (or a recreated device)
 * keeps the MAC its peers' neighbour and FDB entries already point at (flannel#1795, #1330).
 *
 * <p>{@link #ensure} reads first and writes only what differs. VNI, port, local address, underlay
 * device and learning are fixed at creation: a device that differs in one of them is deleted and
 * recreated (its routes, neighbours and FDB entries go with it and the next peer reconcile puts them
 * back). MAC, MTU, up and the address are fixed in place.
 */
public final class VxlanDevice {
  private final Rtnl rtnl;
  private final OverlayConfig config;

  /** What {@link #ensure} found or made, and the writes it did (empty when all was right). */
  public record State(int ifindex, InetAddress underlayIp, int mtu, MacAddress mac, List<String> changes) {}

  public VxlanDevice(Rtnl rtnl, OverlayConfig config) {
    this.rtnl = Objects.requireNonNull(rtnl, "rtnl");
    this.config = Objects.requireNonNull(config, "config");
  }

  /**
   * The VTEP MAC of a node: the first six bytes of SHA-256("weft-vtep/" + name), locally
   * administered, unicast. The same name always gives the same MAC, on any node.
   */
  public static MacAddress vtepMac(String nodeName) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("weft-vtep/" + nodeName).getBytes(StandardCharsets.UTF_8));
      byte[] b = java.util.Arrays.copyOf(h, 6);
      b[0] = (byte) ((b[0] & 0xfc) | 0x02);
      return new MacAddress(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This node as its peers must program it (underlay address resolved from the kernel when not configured). */
  public OverlayPeer self() {
    return new OverlayPeer(config.nodeName(), config.podCidr(), underlayIp(underlay()), vtepMac(config.nodeName()));
  }

  /** The device's ifindex, or empty when it does not exist. */
  public Optional<Integer> ifindex() {
    return rtnl.link(config.deviceName()).map(Link::index);
  }

  /** Creates or repairs the device (see the class comment); KernelException when the underlay is missing. */
  public State ensure() {
    List<String> changes = new ArrayList<>();
    Link under = underlay();
    InetAddress local = underlayIp(under);
    int mtu = config.mtuFor(under.mtu());
    MacAddress mac = vtepMac(config.nodeName());
    String name = config.deviceName();

    Link dev = rtnl.link(name).orElse(null);
    if (dev != null) {
      String wrong = immutableMismatch(dev, local, under.index());
      if (wrong != null) {
        rtnl.deleteLink(dev.index());
        changes.add("delete device " + name + " (" + wrong + ")");
        dev = null;
      }
    }
    if (dev == null) {
      dev = rtnl.addVxlan(new VxlanSpec(name, config.vni(), local, under.index(), config.port(), false, mtu, mac));
      changes.add("create device " + name + " vni " + config.vni() + " port " + config.port() + " local " + IpPrefix.format(local)
          + " dev " + under.name() + " mtu " + mtu + " mac " + mac);
    } else {
      if (!mac.equals(dev.mac())) {
        rtnl.setMac(dev.index(), mac);
        changes.add("set " + name + " mac " + dev.mac() + " -> " + mac);
      }
      if (dev.mtu() != mtu) {
        rtnl.setMtu(dev.index(), mtu);
        changes.add("set " + name + " mtu " + dev.mtu() + " -> " + mtu);
      }
    }
    ensureAddress(dev.index(), changes);
    if (!dev.isUp()) {
      rtnl.setUp(dev.index());
      changes.add("set " + name + " up");
    }
    return new State(dev.index(), local, mtu, mac, List.copyOf(changes));
  }

  /** Exactly one IPv4 address on the device: the pod CIDR's network address /32. */
  private void ensureAddress(int ifindex, List<String> changes) {
    IpPrefix want = config.deviceAddress();
    boolean present = false;
    for (Address a : rtnl.addresses(ifindex, LibC.AF_INET)) {
      if (a.prefix().equals(want)) {
        present = true;
      } else {
        rtnl.deleteAddress(ifindex, a.prefix());
        changes.add("delete address " + a.prefix() + " from " + config.deviceName());
      }
    }
    if (!present) {
      rtnl.addAddress(ifindex, want);
      changes.add("add address " + want + " to " + config.deviceName());
    }
  }

  private String immutableMismatch(Link dev, InetAddress local, int underIndex) {
    if (!"vxlan".equals(dev.kind()) || dev.vxlan() == null) return "kind " + dev.kind() + ", not vxlan";
    Link.Vxlan v = dev.vxlan();
    if (v.vni() != config.vni()) return "vni " + v.vni() + ", want " + config.vni();
    if (v.port() != config.port()) return "port " + v.port() + ", want " + config.port();
    if (!local.equals(v.local())) return "local " + (v.local() == null ? "unset" : IpPrefix.format(v.local())) + ", want " + IpPrefix.format(local);
    if (v.devIndex() != underIndex) return "underlay #" + v.devIndex() + ", want #" + underIndex;
    if (v.learning()) return "learning on";
    return null;
  }

  private Link underlay() {
    return rtnl.link(config.underlayInterface())
        .orElseThrow(() -> new KernelException("get underlay link " + config.underlayInterface(), Errno.ENODEV, null));
  }

  private InetAddress underlayIp(Link under) {
    if (config.underlayIp() != null) return config.underlayIp();
    for (Address a : rtnl.addresses(under.index(), LibC.AF_INET))
      if (a.scope() == 0) return a.prefix().address();
    throw new KernelException("find an IPv4 address on underlay " + under.name(), Errno.EADDRNOTAVAIL, null);
  }
}
