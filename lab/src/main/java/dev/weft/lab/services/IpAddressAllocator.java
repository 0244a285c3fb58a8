package dev.weft.lab.services;

import dev.weft.store.ClusterStore;
import io.fabric8.kubernetes.api.model.networking.v1.IPAddress;
import io.fabric8.kubernetes.api.model.networking.v1.IPAddressBuilder;
import java.util.Map;

/**
 * Service IPs as Kubernetes (1.33+) records them: one cluster-scoped {@code networking.k8s.io/v1 IPAddress} per
 * allocated address, named by the address ({@code <prefix>/ipaddresses/10.96.0.10}), {@code spec.parentRef}
 * naming the Service, label {@code ipaddress.kubernetes.io/managed-by} naming the allocator. Two instances:
 * {@link #clusterIps} (the service CIDR, managed-by {@code ipallocator.k8s.io} as in Kubernetes) and
 * {@link #loadBalancerIps} (the load-balancer pool, managed-by {@code lb-ipam.weft.dev}).
 */
public final class IpAddressAllocator extends RecordAllocator<IPAddress> {
  public static final String MANAGED_BY = "ipaddress.kubernetes.io/managed-by";
  public static final String CLUSTER_IP_MANAGER = "ipallocator.k8s.io";
  public static final String LB_IP_MANAGER = "lb-ipam.weft.dev";

  private final Ipv4Range dynamic;
  private final String manager;
  private final String what;

  private IpAddressAllocator(ClusterStore store, Ipv4Range dynamic, String manager, String what) {
    super(store, IPAddress.class);
    this.dynamic = dynamic;
    this.manager = manager;
    this.what = what;
  }

  public static IpAddressAllocator clusterIps(ClusterStore store, ServiceRanges ranges) {
    return new IpAddressAllocator(store, ranges.dynamicClusterIps(), CLUSTER_IP_MANAGER, "ClusterIP");
  }

  public static IpAddressAllocator loadBalancerIps(ClusterStore store, ServiceRanges ranges) {
    if (ranges.loadBalancerPool() == null) throw new IllegalArgumentException("no load-balancer pool configured");
    return new IpAddressAllocator(store, ranges.loadBalancerPool(), LB_IP_MANAGER, "load-balancer IP");
  }

  @Override
  String what() { return what; }

  @Override
  String rangeText() { return dynamic.text(); }

  @Override
  long dynamicSize() { return dynamic.size(); }

  @Override
  String dynamicName(long i) { return Ipv4Range.format(dynamic.first() + i); }

  @Override
  IPAddress newRecord(String name, ServiceRef owner) {
    return new IPAddressBuilder()
        .withNewMetadata().withName(name)
          .withLabels(Map.of("ipaddress.kubernetes.io/ip-family", "IPv4", MANAGED_BY, manager))
        .endMetadata()
        .withNewSpec().withNewParentRef().withGroup("").withResource("services").withNamespace(owner.namespace())
          .withName(owner.name()).endParentRef().endSpec()
        .build();
  }

  @Override
  ServiceRef ownerOf(IPAddress r) {
    var labels = r.getMetadata().getLabels();
    if (labels == null || !manager.equals(labels.get(MANAGED_BY))) return null;
    var ref = r.getSpec() == null ? null : r.getSpec().getParentRef();
    if (ref == null || !"services".equals(ref.getResource())) return null;
    return new ServiceRef(ref.getNamespace(), ref.getName());
  }
}
