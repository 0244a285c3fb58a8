package dev.weft.nat;

import dev.weft.kernel.FileLock;
import dev.weft.kernel.IpPrefix;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** hostPorts as a {@code WEFT-DN-<hash>} chain per attachment under WEFT-HOSTPORT-DNAT. */
final class IptablesHostPortRules extends IptablesRules implements HostPortRules {
  private static final Pattern UDP_PORT = Pattern.compile("-p udp -m udp --dport (\\d+)");

  IptablesHostPortRules(NetnsCommand cmd) {
    super(cmd, IptablesScript.DN_PREFIX);
  }

  @Override
  String chain(AttachmentId id) {
    return IptablesScript.dnChain(id);
  }

  @Override
  public void add(AttachmentId id, List<PortMapping> mappings, List<IpPrefix> podAddresses) {
    IpPrefix pod4 = podAddresses.stream().filter(IpPrefix::isIpv4).findFirst().orElse(null);
    IpPrefix pod6 = podAddresses.stream().filter(IpPrefix::isIpv6).findFirst().orElse(null);
    List<PortMapping> m4 = pod4 == null ? List.of() : mappings.stream().filter(m -> m.appliesTo(true)).toList();
    List<PortMapping> m6 = pod6 == null ? List.of() : mappings.stream().filter(m -> m.appliesTo(false)).toList();
    try (FileLock l = lock()) {
      if (!m4.isEmpty()) restore(true, IptablesScript.addHostPorts(id, m4, pod4, read(true)));
      try {
        if (!m6.isEmpty()) restore(false, IptablesScript.addHostPorts(id, m6, pod6, read(false)));
      } catch (NatException e) {
        if (!m4.isEmpty()) rollback(true, id, e);
        throw e;
      }
    }
    if (!m4.isEmpty()) HostPortKernel.enableRouteLocalnet(cmd);
    HostPortKernel.clearUdpConntrack(cmd, udpPorts(m4), udpPorts(m6));
  }

  @Override
  void removed(IptablesState before, Set<String> chains, boolean v4) {
    Set<Integer> ports = new TreeSet<>();
    for (IptablesState.Rule r : before.rules()) {
      if (!chains.contains(r.chain())) continue;
      Matcher m = UDP_PORT.matcher(r.spec());
      if (m.find()) ports.add(Integer.parseInt(m.group(1)));
    }
    HostPortKernel.clearUdpConntrack(cmd, v4 ? ports : Set.of(), v4 ? Set.of() : ports);
  }

  private static Set<Integer> udpPorts(List<PortMapping> mappings) {
    Set<Integer> ports = new TreeSet<>();
    for (PortMapping m : mappings) if (m.protocol().equals("udp")) ports.add(m.hostPort());
    return ports;
  }
}
