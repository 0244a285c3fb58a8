package dev.weft.nat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** The kernel state hostPorts need besides rules, shared by both backends. */
final class HostPortKernel {
  private static final Path ROUTE_LOCALNET = Path.of("/proc/sys/net/ipv4/conf/all/route_localnet");

  private HostPortKernel() {}

  /** {@code net.ipv4.conf.all.route_localnet=1}: lets 127.0.0.1-sourced, DNAT'd packets leave lo (and their replies in). */
  static void enableRouteLocalnet(NetnsCommand cmd) {
    if (cmd.netns() != null) {
      cmd.run(null, "sysctl", "-q", "-w", "net.ipv4.conf.all.route_localnet=1");
      return;
    }
    try {
      if (!Files.readString(ROUTE_LOCALNET).strip().equals("1")) Files.writeString(ROUTE_LOCALNET, "1");
    } catch (java.io.IOException e) {
      throw new NatException(java.util.List.of("write", ROUTE_LOCALNET.toString()), e.toString());
    }
  }

  /**
   * Deletes UDP conntrack entries to these ports, so a flow that started before the mapping
   * existed (or after it went away) is not stuck on its old translation. Best effort: conntrack
   * exits 1 when nothing matched, and a missing entry is not an error.
   */
  static void clearUdpConntrack(NetnsCommand cmd, Set<Integer> v4Ports, Set<Integer> v6Ports) {
    for (int port : v4Ports) cmd.exec(null, "conntrack", "-D", "-f", "ipv4", "-p", "udp", "--dport", Integer.toString(port));
    for (int port : v6Ports) cmd.exec(null, "conntrack", "-D", "-f", "ipv6", "-p", "udp", "--dport", Integer.toString(port));
  }
}
