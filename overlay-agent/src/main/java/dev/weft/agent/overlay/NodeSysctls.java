package dev.weft.agent.overlay;

import dev.weft.kernel.Errno;
import dev.weft.kernel.KernelException;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Sysctl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The sysctls the overlay needs, set inside the node's namespace, each read first and written only
 * when different:
 * <ul>
 *   <li>{@code net.ipv4.ip_forward=1}: the node routes between its pod bridge, the VXLAN device
 *       and the underlay.</li>
 *   <li>{@code rp_filter=2} (loose) on the VXLAN device: a packet from a remote pod passes as long
 *       as its source is routable at all. Strict mode would drop traffic from a node whose route is
 *       not programmed yet (a join in progress) or that reaches us over another path; the effective
 *       value is the maximum of {@code all} and the device's, so loose here wins over strict in
 *       {@code all} without weakening other interfaces.</li>
 *   <li>{@code accept_ra=0} on the VXLAN device when IPv6 is on (as flannel does).</li>
 *   <li>{@code net.bridge.bridge-nf-call-iptables=1} when br_netfilter is present (the
 *       {@code /proc/sys/net/bridge} directory exists in the namespace): frames bridged between
 *       pods of the same node then traverse the IPv4 netfilter hooks, which a service proxy (DNAT to
 *       a backend on the same bridge, whose reply must be un-NATed) and network policy rely on.
 *       Without br_netfilter, same-node pod-to-pod frames bypass netfilter entirely: the overlay
 *       and its egress masquerade still work (routed traffic always hits netfilter), but a
 *       ClusterIP whose backend sits on the same bridge as the client would see replies that skip
 *       conntrack's reverse NAT. {@link #apply} then reports the setting as unavailable instead of
 *       failing; {@link #bridgeNetfilter} tells the caller.</li>
 * </ul>
 */
public final class NodeSysctls {
  static final String BRIDGE_NF = "net.bridge.bridge-nf-call-iptables";

  private NodeSysctls() {}

  /** A sysctl weft wants, and whether its absence is acceptable. */
  record Setting(String key, String value, boolean optional) {}

  static List<Setting> wanted(String vxlanDevice) {
    return List.of(
        new Setting("net.ipv4.ip_forward", "1", false),
        new Setting("net/ipv4/conf/" + vxlanDevice + "/rp_filter", "2", false),
        new Setting("net/ipv6/conf/" + vxlanDevice + "/accept_ra", "0", true),
        new Setting(BRIDGE_NF, "1", true));
  }

  /**
   * Sets the overlay's sysctls in {@code netns} (null = the calling thread's namespace); the VXLAN
   * device must exist. Returns the writes made ("net.ipv4.ip_forward 0 -> 1"), empty when all was
   * right.
   */
  public static List<String> apply(Path netns, String vxlanDevice) {
    return inNetns(netns, () -> {
      List<String> changes = new ArrayList<>();
      for (Setting s : wanted(vxlanDevice)) {
        String cur;
        try {
          cur = Sysctl.get(s.key());
        } catch (KernelException e) {
          if (s.optional() && e.is(Errno.ENOENT)) continue;
          throw e;
        }
        if (cur.strip().equals(s.value())) continue;
        Sysctl.set(s.key(), s.value());
        changes.add(s.key() + " " + cur.strip() + " -> " + s.value());
      }
      return changes;
    });
  }

  /** Whether br_netfilter's {@code bridge-nf-call-iptables} exists in {@code netns} and is 1. */
  public static boolean bridgeNetfilter(Path netns) {
    return inNetns(netns, () -> {
      try {
        return Sysctl.get(BRIDGE_NF).strip().equals("1");
      } catch (KernelException e) {
        if (e.is(Errno.ENOENT)) return false;
        throw e;
      }
    });
  }

  private static <T> T inNetns(Path netns, java.util.concurrent.Callable<T> body) {
    if (netns != null) return NetNs.call(netns, body);
    try {
      return body.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }
}
