package dev.weft.agent.overlay;

/**
 * Pure generation of the overlay's nft table {@code inet weft_egress}. {@link #table} is written
 * exactly as {@code nft list table} prints it, so the same text is both what is applied and what
 * a reconcile compares the kernel's listing with.
 *
 * <p>Rules, in {@code postrouting} at srcnat priority:
 * <ol>
 *   <li>cluster → cluster: return (pod-to-pod, same node or across nodes, keeps its source IP);</li>
 *   <li>cluster → multicast: return;</li>
 *   <li>cluster → anything else: masquerade (to the outgoing interface's address), fully random
 *       ports as flannel does;</li>
 *   <li>non-cluster source leaving through the VXLAN device (the node itself from its underlay
 *       address, or forwarded outside traffic): masquerade to the device's address, so the remote
 *       node's reply comes back through the overlay.</li>
 * </ol>
 * Lesson from k8s#88986 (63-second delays): the encapsulated VXLAN packet itself (underlay IP →
 * underlay IP, UDP to the VXLAN port, leaving through the underlay) can never match one of these
 * rules, and no rule matches on packet marks it may inherit from the inner packet: weft never
 * NATs the outer packet.
 */
public final class EgressScript {
  public static final String FAMILY = "inet", TABLE = "weft_egress";

  private EgressScript() {}

  /** The table as {@code nft list table inet weft_egress} prints it. */
  public static String table(OverlayConfig c) {
    String cluster = c.clusterCidr().toString();
    return "table " + FAMILY + " " + TABLE + " {\n"
        + "\tcomment \"weft overlay: pod egress masquerade, cluster " + cluster + "\"\n"
        + "\tchain postrouting {\n"
        + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        + "\t\tip saddr " + cluster + " ip daddr " + cluster + " return comment \"pod to pod keeps its source\"\n"
        + "\t\tip saddr " + cluster + " ip daddr 224.0.0.0/4 return comment \"multicast\"\n"
        + "\t\tip saddr " + cluster + " masquerade fully-random comment \"pod egress leaving the cluster\"\n"
        + "\t\toifname \"" + c.deviceName() + "\" ip saddr != " + cluster + " masquerade comment \"node or outside into the overlay\"\n"
        + "\t}\n"
        + "}\n";
  }

  /** One transaction that replaces the table whatever its state: create (no-op if present), delete, declare. */
  public static String apply(OverlayConfig c) {
    return "add table " + FAMILY + " " + TABLE + "\n"
        + "delete table " + FAMILY + " " + TABLE + "\n"
        + table(c);
  }

  /** Removes the table (fails when it is absent). */
  public static String remove() {
    return "delete table " + FAMILY + " " + TABLE + "\n";
  }

  /** Text compared modulo indentation and blank lines. */
  static String normalise(String listing) {
    StringBuilder sb = new StringBuilder();
    for (String line : listing.split("\n")) {
      String s = line.strip();
      if (!s.isEmpty()) sb.append(s).append('\n');
    }
    return sb.toString();
  }
}
