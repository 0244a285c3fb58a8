package dev.weft.cni;

import dev.weft.cni.protocol.CniError;
import dev.weft.kernel.Errno;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.KernelException;
import dev.weft.kernel.Link;
import dev.weft.kernel.Rtnl;
import dev.weft.kernel.Sysctl;
import java.util.List;

/**
 * The node's Linux bridge for one network: created on first use (concurrent ADDs may race to
 * create it; EEXIST means another won), brought up, given the gateway addresses when
 * {@code isGateway}. Never deleted by weft-cni: other pods may hang off it (as the reference plugin).
 */
final class HostBridge {
  private final Rtnl host;
  private final BridgeConfig config;

  HostBridge(Rtnl host, BridgeConfig config) {
    this.host = host;
    this.config = config;
  }

  /**
   * Returns the bridge, creating and configuring it when missing. A bridge this call created is
   * removed by {@code rollback} if the ADD fails, unless another pod has joined it meanwhile.
   */
  Link ensure(Rollback rollback) throws CniError {
    Link br = host.link(config.bridge()).orElse(null);
    if (br == null) {
      br = create();
      int index = br.index();
      rollback.push("bridge " + config.bridge(), () -> deleteIfUnused(index));
    } else if (!"bridge".equals(br.kind()))
      throw new CniError(CniError.INVALID_CONFIG, "bridge: \"" + config.bridge() + "\" exists but is a "
          + (br.kind() == null ? "device" : br.kind()) + ", not a bridge", null);
    if (config.vlan() != 0) enableVlanFiltering(br);
    if (config.promiscMode()) host.setPromisc(br.index(), true);
    if (!br.isUp()) host.setUp(br.index());
    return br;
  }

  private void deleteIfUnused(int index) {
    for (Link l : host.links()) if (l.masterIndex() == index) return;
    host.deleteLinkIfPresent(index);
  }

  private void enableVlanFiltering(Link br) throws CniError {
    try {
      host.setBridgeVlanFiltering(br.index(), true);
    } catch (KernelException e) {
      if (!e.is(Errno.EOPNOTSUPP)) throw e;
      throw new CniError(CniError.INVALID_CONFIG, "vlan: this kernel has no bridge VLAN filtering "
          + "(CONFIG_BRIDGE_VLAN_FILTERING); remove \"vlan\" from the config", null);
    }
  }

  private Link create() {
    try {
      Link br = host.addBridge(config.bridge(), config.mtu());
      // a fixed MAC: otherwise the bridge takes its lowest port's, and the gateway's MAC changes
      // (breaking every pod's ARP entry for it) whenever that pod goes away
      host.setMac(br.index(), dev.weft.kernel.MacAddress.randomLocal());
      Sysctl.set("net/ipv6/conf/" + config.bridge() + "/accept_ra", "0");
      return br;
    } catch (KernelException e) {
      if (!e.is(Errno.EEXIST)) throw e;
      return host.link(config.bridge()).orElseThrow(() -> e);
    } catch (RuntimeException e) {
      // IPv6 disabled: accept_ra does not exist; the bridge itself is fine
      return host.link(config.bridge()).orElseThrow(() -> e);
    }
  }

  /**
   * Puts each gateway (address with the pod subnet's prefix) on the bridge. Another address in the
   * same subnet (any other IPv4 address) is an error unless {@code forceAddress}, which replaces it.
   */
  void ensureGateways(Link br, List<IpPrefix> gateways) throws CniError {
    for (IpPrefix gw : gateways) {
      boolean present = false;
      for (var a : host.addresses(br.index(), gw.family())) {
        IpPrefix have = a.prefix();
        if (have.equals(gw)) {
          present = true;
          continue;
        }
        boolean conflicts = gw.isIpv4() || have.overlaps(gw);
        if (!conflicts) continue;
        if (!config.forceAddress())
          throw new CniError(CniError.INVALID_CONFIG, "bridge " + config.bridge() + " already has address " + have
              + ", different from gateway " + gw + " (set forceAddress to replace it)", null);
        host.deleteAddress(br.index(), have);
      }
      if (!present) {
        try {
          host.addAddress(br.index(), gw);
        } catch (KernelException e) {
          if (!e.is(Errno.EEXIST)) throw e; // a concurrent ADD put it there first
        }
      }
      Sysctl.set(gw.isIpv4() ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding", "1");
    }
  }
}
