/**
 * The NAT rules the CNI plugin programs on the host for a pod: outbound masquerade ({@code ipMasq},
 * {@link dev.weft.nat.MasqueradeRules}) and hostPort DNAT ({@code portMappings},
 * {@link dev.weft.nat.HostPortRules}), in nftables (default) or iptables, chosen with
 * {@link dev.weft.nat.NatBackend}. Every rule carries its {@link dev.weft.nat.AttachmentId} in a
 * comment ({@code net=<network> id=<containerId> if=<ifname>}), so DEL and GC find a pod's rules by
 * identity alone. Every change is one transaction ({@code nft -f -}, or one
 * {@code iptables-restore --noflush} per family).
 *
 * <h2>nftables: one {@code inet} table, {@code weft_cni_nat}</h2>
 * One table for both families, so a dual-stack pod is one transaction and one place to look. Pods
 * are elements of sets and maps, never rules: adding a pod adds elements, the rules stay fixed.
 * <pre>
 * set masq_sources_v4/v6      pod IP                              pods with ipMasq
 * set masq_exempt_v4/v6       pod IP . pod subnet (interval)      kept unmasqueraded
 * map hostport_any_v4/v6      proto . hostPort : podIP . port     any local address
 * map hostport_on_ip_v4/v6    hostIP . proto . hostPort : ...     one host address
 * set hostport_masq_v4/v6     source range . pod IP (interval)    hairpin (pod subnet) and 127.0.0.0/8
 * chain hostport_prerouting   nat prerouting  dstnat:  fib daddr type local jump hostport_dnat
 * chain hostport_output       nat output      -100:    fib daddr type local jump hostport_dnat
 * chain hostport_dnat         dnat via hostport_on_ip_*, then hostport_any_*
 * chain postrouting           nat postrouting srcnat:  ct status dnat + hostport_masq_* masquerade;
 *                             masq_sources_* and not multicast and not (saddr . daddr) in masq_exempt_* masquerade
 * </pre>
 * The table stays when the last pod goes (empty sets cost nothing; deleting it would race a
 * concurrent ADD).
 *
 * <h2>iptables: kube-proxy/portmap-style chains in the nat table, per family</h2>
 * <pre>
 * POSTROUTING -s podIP -j WEFT-MASQ-&lt;h&gt;: -d subnet ACCEPT; ! -d multicast MASQUERADE
 * PREROUTING, OUTPUT --dst-type LOCAL -j WEFT-HOSTPORT-DNAT
 *   -p proto -m multiport --dports ... -j WEFT-DN-&lt;h&gt;: -s subnet / -s 127.0.0.0/8 -j WEFT-HOSTPORT-SETMARK; DNAT
 * POSTROUTING (first) -j WEFT-HOSTPORT-MASQ: mark 0x2000 MASQUERADE
 * </pre>
 * {@code <h>} is 16 hex digits of a hash of the attachment. The shared hostPort chains go with the
 * last WEFT-DN chain. Read-modify-write is serialised by an flock per network namespace under
 * /run/weft.
 *
 * <p>Hairpin (a pod reaching its own hostPort through a host address) needs, with br_netfilter
 * on, {@code hairpin_mode} on the pod's bridge port (the reference bridge's {@code hairpinMode}):
 * the DNAT'd packet is bridged back out of the port it came in. hostPort via {@code ::1} is not
 * supported (the kernel never routes ::1 off lo), as in the reference portmap.
 */
package dev.weft.nat;
