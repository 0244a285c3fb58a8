package dev.weft.ipam;

import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.JsonFields;
import dev.weft.kernel.IpPrefix;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;

/**
 * One host-local range: a subnet and the inclusive span [start, end] handed out from it; the gateway
 * is never handed out. Defaults as host-local: gateway and start are network+1, end is the
 * broadcast−1 (IPv4) or the last address (IPv6).
 */
public record Range(IpPrefix subnet, InetAddress start, InetAddress end, InetAddress gateway) {
  private static final JsonFields F = JsonFields.config();

  // equals and hashCode written out (the values a record derives): a record's own are bound through
  // an invokedynamic bootstrap, ~7 ms of method-handle spinning in a per-pod JVM (the allocator's
  // ranges().indexOf)
  @Override
  public boolean equals(Object o) {
    return o instanceof Range r && java.util.Objects.equals(subnet, r.subnet) && java.util.Objects.equals(start, r.start)
        && java.util.Objects.equals(end, r.end) && java.util.Objects.equals(gateway, r.gateway);
  }

  @Override
  public int hashCode() {
    return ((java.util.Objects.hashCode(subnet) * 31 + java.util.Objects.hashCode(start)) * 31 + java.util.Objects.hashCode(end)) * 31
        + java.util.Objects.hashCode(gateway);
  }

  /** Reads and canonicalises {@code {subnet, rangeStart, rangeEnd, gateway}} (host-local's rules). */
  static Range parse(Map<String, Object> m, String path) throws CniError {
    IpPrefix subnet = F.cidr(m, path, "subnet");
    if (subnet == null) throw F.error(path + ".subnet", "missing");
    if (subnet.prefixLength() > subnet.maxLength() - 2)
      throw F.error(path + ".subnet", "network " + subnet + " too small to allocate from (at most /" + (subnet.maxLength() - 2) + ")");
    if (!subnet.equals(subnet.network()))
      throw F.error(path + ".subnet", "network has host bits set: for a /" + subnet.prefixLength() + " the network address is "
          + IpPrefix.format(subnet.network().address()));
    BigInteger net = IpPrefix.toNumber(subnet.address());
    boolean v4 = subnet.isIpv4();
    InetAddress first = IpPrefix.fromNumber(net.add(BigInteger.ONE), v4);
    InetAddress gw = family(F.address(m, path, "gateway"), subnet, path + ".gateway");
    InetAddress start = family(F.address(m, path, "rangeStart"), subnet, path + ".rangeStart");
    InetAddress end = family(F.address(m, path, "rangeEnd"), subnet, path + ".rangeEnd");
    if (start != null && !subnet.contains(start))
      throw F.error(path + ".rangeStart", IpPrefix.format(start) + " not in network " + subnet);
    if (end != null && !subnet.contains(end))
      throw F.error(path + ".rangeEnd", IpPrefix.format(end) + " not in network " + subnet);
    if (start == null) start = first;
    if (end == null) {
      BigInteger last = IpPrefix.toNumber(subnet.last());
      end = IpPrefix.fromNumber(v4 ? last.subtract(BigInteger.ONE) : last, v4);
    }
    if (num(end).compareTo(num(start)) < 0)
      throw F.error(path + ".rangeEnd", IpPrefix.format(end) + " is before rangeStart " + IpPrefix.format(start));
    return new Range(subnet, start, end, gw == null ? first : gw);
  }

  private static InetAddress family(InetAddress a, IpPrefix subnet, String path) throws CniError {
    if (a != null && (a instanceof Inet4Address) != subnet.isIpv4())
      throw F.error(path, IpPrefix.format(a) + " is not of the family of " + subnet);
    return a;
  }

  static BigInteger num(InetAddress a) {
    return IpPrefix.toNumber(a);
  }

  public boolean isIpv4() {
    return subnet.isIpv4();
  }

  /** In the subnet and within [start, end]. */
  public boolean contains(InetAddress a) {
    if (!subnet.contains(a)) return false;
    BigInteger n = num(a);
    return n.compareTo(num(start)) >= 0 && n.compareTo(num(end)) <= 0;
  }

  /** host-local's overlap test: same family and either range holds an end of the other. */
  public boolean overlaps(Range o) {
    if (isIpv4() != o.isIpv4()) return false;
    return contains(o.start) || contains(o.end) || o.contains(start) || o.contains(end);
  }

  /** How many addresses this range can hand out (its span minus the gateway if inside). */
  public BigInteger capacity() {
    BigInteger n = num(end).subtract(num(start)).add(BigInteger.ONE);
    return contains(gateway) ? n.subtract(BigInteger.ONE) : n;
  }

  /** host-local's text: "start-end". */
  @Override
  public String toString() {
    return IpPrefix.format(start) + "-" + IpPrefix.format(end);
  }
}
