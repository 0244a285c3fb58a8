package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Locale;

/**
 * One entry of the CNI {@code portMappings} capability. {@code protocol} is normalised to lower
 * case ({@code null}/empty = tcp). {@code hostIP} null, "" or an unspecified address means any
 * local address; "0.0.0.0" limits the mapping to IPv4 and "::" to IPv6, as in the reference portmap.
 */
public record PortMapping(int hostPort, int containerPort, String protocol, String hostIP) {
  public PortMapping {
    if (hostPort < 1 || hostPort > 65535) throw new IllegalArgumentException("hostPort " + hostPort + " out of range 1-65535");
    if (containerPort < 1 || containerPort > 65535) throw new IllegalArgumentException("containerPort " + containerPort + " out of range 1-65535");
    protocol = protocol == null || protocol.isEmpty() ? "tcp" : protocol.toLowerCase(Locale.ROOT);
    if (!protocol.equals("tcp") && !protocol.equals("udp") && !protocol.equals("sctp"))
      throw new IllegalArgumentException("unsupported portMappings protocol \"" + protocol + "\" (tcp, udp or sctp)");
    if (hostIP != null && !hostIP.isEmpty()) IpPrefix.parseAddress(hostIP); // validates the literal
  }

  public PortMapping(int hostPort, int containerPort, String protocol) {
    this(hostPort, containerPort, protocol, null);
  }

  /** The host address the mapping is limited to, or null for any local address. */
  public InetAddress hostAddress() {
    if (hostIP == null || hostIP.isEmpty()) return null;
    InetAddress a = IpPrefix.parseAddress(hostIP);
    return a.isAnyLocalAddress() ? null : a;
  }

  /** Whether the mapping applies to pod addresses of this family. */
  public boolean appliesTo(boolean ipv4) {
    if (hostIP == null || hostIP.isEmpty()) return true;
    return (IpPrefix.parseAddress(hostIP) instanceof Inet4Address) == ipv4;
  }
}
