package dev.weft.lab.services;

import dev.weft.store.ClusterStore;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** NodePorts and healthCheckNodePorts from the node-port range, one {@link NodePortAllocation} record per port. */
public final class NodePortAllocator extends RecordAllocator<NodePortAllocation> {
  private final PortRange range;

  public NodePortAllocator(ClusterStore store, ServiceRanges ranges) {
    super(store, NodePortAllocation.class);
    this.range = ranges.nodePorts();
  }

  public int allocatePort(ServiceRef owner) {
    return Integer.parseInt(allocate(owner));
  }

  /** {@link #take} for a port: {@code want} (checked against the range) or, when null, a free one. */
  public int takePort(Integer want, ServiceRef owner, String field, List<Runnable> undo) {
    if (want != null) requireInRange(want, field);
    return Integer.parseInt(take(want == null ? null : Integer.toString(want), owner, field, undo));
  }

  private void requireInRange(int port, String field) {
    if (!range.contains(port))
      throw new ServiceRejectedException(field + ": Invalid value: " + port + ": provided port is not in the valid range. The range of valid ports is " + range);
  }

  @Override
  String what() { return "NodePort"; }

  @Override
  String rangeText() { return range.toString(); }

  @Override
  long dynamicSize() { return range.size(); }

  @Override
  String dynamicName(long i) { return Long.toString(range.first() + i); }

  @Override
  NodePortAllocation newRecord(String name, ServiceRef owner) {
    NodePortAllocation r = new NodePortAllocation();
    r.setMetadata(new ObjectMetaBuilder().withName(name).build());
    r.setSpec(new NodePortAllocation.Spec(owner));
    return r;
  }

  @Override
  ServiceRef ownerOf(NodePortAllocation r) {
    var s = r.getSpec();
    return s == null || s.getServiceName() == null ? null : new ServiceRef(s.getServiceNamespace(), s.getServiceName());
  }
}
