package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.List;
import java.util.Set;

/**
 * Outbound masquerade for pods (the reference bridge's {@code ipMasq}): traffic from a pod
 * address to anything outside that address's subnet, except multicast, leaves with the host's
 * address; pod-to-pod traffic inside the subnet keeps its source. Every change is one transaction.
 */
public interface MasqueradeRules {
  /** Idempotent. {@code podAddresses}: pod IPs with their subnet's prefix length, v4 and/or v6. */
  void add(AttachmentId id, List<IpPrefix> podAddresses);

  /** Removes everything of the attachment; no error when nothing exists. */
  void remove(AttachmentId id);

  /** Attachments of {@code network} that have rules. */
  Set<AttachmentId> list(String network);

  /** GC: removes the rules of every attachment of {@code network} not in {@code keep}. */
  void retainOnly(String network, Set<AttachmentId> keep);
}
