package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.List;
import java.util.Set;

/**
 * hostPort DNAT for pods (the reference portmap): packets to a local address on a hostPort
 * (optionally only on one hostIP) go to podIP:containerPort, from outside, from the host itself
 * (also via 127.0.0.1) and from the pod itself (hairpin, masqueraded). IPv4 and IPv6. Stale UDP
 * conntrack entries of the mapped ports are deleted on add and remove. Every change is one transaction.
 */
public interface HostPortRules {
  /** Idempotent. A hostPort already mapped by another attachment is a {@link NatException}. */
  void add(AttachmentId id, List<PortMapping> mappings, List<IpPrefix> podAddresses);

  /** Removes everything of the attachment; no error when nothing exists. */
  void remove(AttachmentId id);

  /** Attachments of {@code network} that have rules. */
  Set<AttachmentId> list(String network);

  /** GC: removes the rules of every attachment of {@code network} not in {@code keep}. */
  void retainOnly(String network, Set<AttachmentId> keep);
}
