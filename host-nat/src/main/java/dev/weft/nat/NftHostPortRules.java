package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import dev.weft.nat.NftScript.Element;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** hostPorts as elements of the {@code hostport_*} maps and sets in weft's nft table. */
final class NftHostPortRules extends NftRules implements HostPortRules {
  NftHostPortRules(NetnsCommand cmd) {
    super(cmd, "hostport_");
  }

  @Override
  public void add(AttachmentId id, List<PortMapping> mappings, List<IpPrefix> podAddresses) {
    String elements = NftScript.hostPortElements(id, mappings, podAddresses);
    if (elements.isEmpty()) return; // no mapping applies to any pod address
    Set<Integer> udp4 = new TreeSet<>(), udp6 = new TreeSet<>();
    List<String> keys = new ArrayList<>(); // "set key", to name the owner of a conflicting hostPort
    boolean v4 = false;
    for (IpPrefix a : NftScript.firstOfEachFamily(podAddresses)) {
      for (PortMapping m : mappings) {
        if (!m.appliesTo(a.isIpv4())) continue;
        v4 |= a.isIpv4();
        if (m.protocol().equals("udp")) (a.isIpv4() ? udp4 : udp6).add(m.hostPort());
        String v = a.isIpv4() ? "v4" : "v6", key = m.protocol() + " . " + m.hostPort();
        keys.add(m.hostAddress() == null ? "hostport_any_" + v + " " + key : "hostport_on_ip_" + v + " " + IpPrefix.format(m.hostAddress()) + " . " + key);
      }
    }
    try {
      applyWithSkeleton(elements);
    } catch (NatException e) {
      throw e.stderr().contains("File exists") ? conflict(e, keys) : e;
    }
    if (v4) HostPortKernel.enableRouteLocalnet(cmd);
    HostPortKernel.clearUdpConntrack(cmd, udp4, udp6);
  }

  /** A map key already taken with other data: say which hostPort and whose. */
  private NatException conflict(NatException e, List<String> keys) {
    List<String> taken = new ArrayList<>();
    for (Element x : read()) {
      if (keys.contains(x.set() + " " + x.key())) taken.add(x.key() + " (" + x.comment() + ")");
    }
    return new NatException(e.command(), e.stderr(), "hostPort already mapped by another attachment: " + String.join(", ", taken));
  }

  @Override
  void removed(List<Element> gone) {
    Set<Integer> udp4 = new TreeSet<>(), udp6 = new TreeSet<>();
    for (Element e : gone) {
      String[] k = e.key().split(" \\. ");
      if (!e.set().startsWith("hostport_any_") && !e.set().startsWith("hostport_on_ip_")) continue;
      if (k.length >= 2 && k[k.length - 2].equals("udp")) (e.set().endsWith("v4") ? udp4 : udp6).add(Integer.parseInt(k[k.length - 1]));
    }
    HostPortKernel.clearUdpConntrack(cmd, udp4, udp6);
  }
}
