package dev.weft.lab.services;

/**
 * Where Services get what their manifests do not give: ClusterIPs from {@code serviceCidr} (its network and
 * broadcast addresses are never used, and its first host address — {@code .1}, the {@code kubernetes}
 * Service's in a real cluster — is only given to a manifest that asks for it), NodePorts and
 * healthCheckNodePorts from {@code nodePorts}, LoadBalancer ingress IPs from {@code loadBalancerPool} (null: no
 * pool, LoadBalancer Services stay {@code <pending>}). The CIDR and the pool must not overlap: both are
 * recorded as {@code networking.k8s.io/v1} IPAddress objects, one key space.
 */
public record ServiceRanges(Ipv4Range serviceCidr, PortRange nodePorts, Ipv4Range loadBalancerPool) {
  public static final String DEFAULT_SERVICE_CIDR = "10.96.0.0/12";

  public ServiceRanges {
    if (serviceCidr == null) throw new IllegalArgumentException("a service CIDR is required");
    if (serviceCidr.size() < 4) throw new IllegalArgumentException("service CIDR " + serviceCidr + " is too small (at least a /30)");
    if (nodePorts == null) nodePorts = PortRange.DEFAULT_NODE_PORTS;
    if (loadBalancerPool != null && loadBalancerPool.first() <= serviceCidr.last() && serviceCidr.first() <= loadBalancerPool.last())
      throw new IllegalArgumentException("load-balancer pool " + loadBalancerPool + " overlaps the service CIDR " + serviceCidr);
  }

  public static ServiceRanges defaults() {
    return new ServiceRanges(Ipv4Range.parse(DEFAULT_SERVICE_CIDR), PortRange.DEFAULT_NODE_PORTS, null);
  }

  /** The addresses dynamic ClusterIP allocation draws from: without network, {@code .1} and broadcast. */
  public Ipv4Range dynamicClusterIps() {
    return new Ipv4Range(serviceCidr.first() + 2, serviceCidr.last() - 1, serviceCidr + " minus network, .1 and broadcast");
  }

  /** The addresses a manifest may ask for: the CIDR without network and broadcast. */
  public Ipv4Range requestableClusterIps() {
    return new Ipv4Range(serviceCidr.first() + 1, serviceCidr.last() - 1, serviceCidr.text());
  }
}
