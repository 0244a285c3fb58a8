package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure generation of {@code iptables-restore --noflush} input (one family's nat table, one
 * transaction). Layout, kube-proxy/portmap style:
 * <pre>
 * POSTROUTING -s podIP -j WEFT-MASQ-&lt;h&gt;        (ipMasq: ACCEPT to the pod subnet, MASQUERADE unless multicast)
 * PREROUTING/OUTPUT --dst-type LOCAL -j WEFT-HOSTPORT-DNAT
 *   WEFT-HOSTPORT-DNAT -p proto --dports ... -j WEFT-DN-&lt;h&gt;   (per attachment: mark hairpin/localhost, DNAT)
 * POSTROUTING (first) -j WEFT-HOSTPORT-MASQ        (MASQUERADE what WEFT-HOSTPORT-SETMARK marked)
 * </pre>
 * Declaring a chain ({@code :NAME - [0:0]}) in --noflush mode creates or flushes it, so an
 * attachment's own chain is rewritten whole; shared chains are declared only when missing.
 */
final class IptablesScript {
  static final String MASQ_PREFIX = "WEFT-MASQ-";
  static final String DN_PREFIX = "WEFT-DN-";
  static final String HOSTPORT_DNAT = "WEFT-HOSTPORT-DNAT";
  static final String HOSTPORT_SETMARK = "WEFT-HOSTPORT-SETMARK";
  static final String HOSTPORT_MASQ = "WEFT-HOSTPORT-MASQ";
  /** Bit 13, the reference portmap's default masquerade mark (kube-proxy uses bit 14). */
  static final String MARK = "0x2000/0x2000";
  private static final int MULTIPORT_MAX = 15;

  private IptablesScript() {}

  static String masqChain(AttachmentId id) {
    return MASQ_PREFIX + AttachmentComment.chainHash(id);
  }

  static String dnChain(AttachmentId id) {
    return DN_PREFIX + AttachmentComment.chainHash(id);
  }

  /** The attachment's masquerade for the given pod addresses (all of one family). */
  static String addMasquerade(AttachmentId id, List<IpPrefix> addresses, IptablesState state) {
    String chain = masqChain(id), c = comment(id);
    boolean v4 = addresses.getFirst().isIpv4();
    StringBuilder s = new StringBuilder("*nat\n:").append(chain).append(" - [0:0]\n");
    for (IpPrefix a : addresses) s.append("-A ").append(chain).append(" -d ").append(a.network()).append(c).append(" -j ACCEPT\n");
    s.append("-A ").append(chain).append(" ! -d ").append(v4 ? "224.0.0.0/4" : "ff00::/8").append(c).append(" -j MASQUERADE\n");
    for (IptablesState.Rule r : state.jumpsTo(chain)) s.append(r.deleteLine()).append('\n');
    for (IpPrefix a : addresses) s.append("-A POSTROUTING -s ").append(host(a)).append(c).append(" -j ").append(chain).append('\n');
    return s.append("COMMIT\n").toString();
  }

  /** The attachment's hostPorts for one pod address (its family's first), with the shared chains if missing. */
  static String addHostPorts(AttachmentId id, List<PortMapping> mappings, IpPrefix pod, IptablesState state) {
    String chain = dnChain(id), c = comment(id);
    boolean v4 = pod.isIpv4();
    StringBuilder s = new StringBuilder("*nat\n");
    for (String shared : List.of(HOSTPORT_DNAT, HOSTPORT_SETMARK, HOSTPORT_MASQ))
      if (!state.chains().contains(shared)) s.append(':').append(shared).append(" - [0:0]\n");
    s.append(':').append(chain).append(" - [0:0]\n");
    if (!state.chains().contains(HOSTPORT_SETMARK))
      s.append("-A ").append(HOSTPORT_SETMARK).append(" -m comment --comment \"weft hostPorts: mark for masquerade\" -j MARK --set-xmark ").append(MARK).append('\n');
    if (!state.chains().contains(HOSTPORT_MASQ))
      s.append("-A ").append(HOSTPORT_MASQ).append(" -m mark --mark ").append(MARK).append(" -m comment --comment \"weft hostPorts: hairpin and localhost\" -j MASQUERADE\n");
    for (String hook : List.of("PREROUTING", "OUTPUT")) {
      if (state.rules().stream().noneMatch(r -> r.chain().equals(hook) && HOSTPORT_DNAT.equals(r.target())))
        s.append("-A ").append(hook).append(" -m addrtype --dst-type LOCAL -m comment --comment \"weft hostPorts\" -j ").append(HOSTPORT_DNAT).append('\n');
    }
    if (state.rules().stream().noneMatch(r -> r.chain().equals("POSTROUTING") && HOSTPORT_MASQ.equals(r.target())))
      s.append("-I POSTROUTING 1 -m comment --comment \"weft hostPorts: hairpin and localhost\" -j ").append(HOSTPORT_MASQ).append('\n');
    String podIp = IpPrefix.format(pod.address());
    String target = v4 ? podIp : "[" + podIp + "]";
    Map<String, List<Integer>> portsByProto = new LinkedHashMap<>();
    for (PortMapping m : mappings) {
      String match = (m.hostAddress() == null ? "" : " -d " + IpPrefix.format(m.hostAddress()) + (v4 ? "/32" : "/128"))
          + " -p " + m.protocol() + " -m " + m.protocol() + " --dport " + m.hostPort();
      s.append("-A ").append(chain).append(" -s ").append(pod.network()).append(match).append(c).append(" -j ").append(HOSTPORT_SETMARK).append('\n');
      if (v4) s.append("-A ").append(chain).append(" -s 127.0.0.0/8").append(match).append(c).append(" -j ").append(HOSTPORT_SETMARK).append('\n');
      s.append("-A ").append(chain).append(match).append(c).append(" -j DNAT --to-destination ").append(target).append(':').append(m.containerPort()).append('\n');
      List<Integer> ports = portsByProto.computeIfAbsent(m.protocol(), k -> new ArrayList<>());
      if (!ports.contains(m.hostPort())) ports.add(m.hostPort());
    }
    for (IptablesState.Rule r : state.jumpsTo(chain)) s.append(r.deleteLine()).append('\n');
    portsByProto.forEach((proto, ports) -> {
      for (int i = 0; i < ports.size(); i += MULTIPORT_MAX) {
        List<String> chunk = ports.subList(i, Math.min(ports.size(), i + MULTIPORT_MAX)).stream().map(String::valueOf).toList();
        s.append("-A ").append(HOSTPORT_DNAT).append(" -p ").append(proto).append(" -m multiport --dports ").append(String.join(",", chunk))
            .append(c).append(" -j ").append(chain).append('\n');
      }
    });
    return s.append("COMMIT\n").toString();
  }

  /**
   * Removes the given per-attachment chains and every jump to them; when no WEFT-DN chain is left
   * afterwards, also the shared hostPort chains and their jumps. Null when there is nothing to do.
   */
  static String remove(Set<String> chains, IptablesState state) {
    List<String> present = chains.stream().filter(state.chains()::contains).sorted().toList();
    if (present.isEmpty()) return null;
    boolean dnLeft = state.chains().stream().anyMatch(ch -> ch.startsWith(DN_PREFIX) && !present.contains(ch));
    boolean dnRemoved = present.stream().anyMatch(ch -> ch.startsWith(DN_PREFIX));
    List<String> shared = dnRemoved && !dnLeft
        ? List.of(HOSTPORT_DNAT, HOSTPORT_MASQ, HOSTPORT_SETMARK).stream().filter(state.chains()::contains).toList()
        : List.of();
    List<String> doomed = new ArrayList<>(present);
    doomed.addAll(shared);
    StringBuilder s = new StringBuilder("*nat\n");
    for (String chain : doomed) s.append(':').append(chain).append(" - [0:0]\n"); // flushes it
    for (String chain : doomed) {
      for (IptablesState.Rule r : state.jumpsTo(chain)) if (!doomed.contains(r.chain())) s.append(r.deleteLine()).append('\n');
    }
    for (String chain : doomed) s.append("-X ").append(chain).append('\n');
    return s.append("COMMIT\n").toString();
  }

  private static String comment(AttachmentId id) {
    return " -m comment --comment \"" + AttachmentComment.encode(id) + "\"";
  }

  private static String host(IpPrefix a) {
    return IpPrefix.format(a.address()) + (a.isIpv4() ? "/32" : "/128");
  }
}
