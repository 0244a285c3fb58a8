package dev.weft.nat;

import java.util.Objects;

/**
 * What a NAT rule belongs to: one interface of one container on one network (the CNI triple).
 * Rules carry it in their comments ({@link AttachmentComment}), so DEL and GC find a pod's rules
 * by identity alone, without its netns or prevResult.
 */
public record AttachmentId(String network, String containerId, String ifname) {
  public AttachmentId {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(containerId, "containerId");
    Objects.requireNonNull(ifname, "ifname");
    if (network.isEmpty() || containerId.isEmpty() || ifname.isEmpty())
      throw new IllegalArgumentException("attachment needs a network, a container id and an ifname: " + network + "/" + containerId + "/" + ifname);
  }

  @Override
  public String toString() {
    return network + "/" + containerId + "/" + ifname;
  }
}
