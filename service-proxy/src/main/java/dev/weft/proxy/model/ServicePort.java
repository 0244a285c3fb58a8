package dev.weft.proxy.model;

import dev.weft.kernel.IpPrefix;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * One Service port as the proxy programs it, independent of the Kubernetes object shape.
 *
 * @param clusterIps the ClusterIP(s) (empty for a headless service, which gets no rules)
 * @param nodePort 0 when none
 * @param externalIps spec.externalIPs
 * @param loadBalancerIps status.loadBalancer.ingress[].ip
 * @param affinityTimeout null when sessionAffinity is None; else ClientIP with this timeout
 * @param healthCheckNodePort 0 when none (only LoadBalancer/NodePort with externalTrafficPolicy Local)
 * @param sourceRanges spec.loadBalancerSourceRanges (networks, host bits cleared, each once): when
 *     not empty, only clients inside one of them reach the LoadBalancer IPs (ClusterIPs, NodePorts
 *     and externalIPs stay open, as with kube-proxy)
 */
public record ServicePort(
    ServicePortName id,
    List<InetAddress> clusterIps,
    int port,
    int nodePort,
    List<InetAddress> externalIps,
    List<InetAddress> loadBalancerIps,
    TrafficPolicy externalPolicy,
    TrafficPolicy internalPolicy,
    Duration affinityTimeout,
    int healthCheckNodePort,
    List<IpPrefix> sourceRanges) {

  public ServicePort {
    clusterIps = List.copyOf(clusterIps);
    externalIps = List.copyOf(externalIps);
    loadBalancerIps = List.copyOf(loadBalancerIps);
    sourceRanges = List.copyOf(sourceRanges);
  }

  /** A port without loadBalancerSourceRanges. */
  public ServicePort(ServicePortName id, List<InetAddress> clusterIps, int port, int nodePort, List<InetAddress> externalIps,
      List<InetAddress> loadBalancerIps, TrafficPolicy externalPolicy, TrafficPolicy internalPolicy, Duration affinityTimeout,
      int healthCheckNodePort) {
    this(id, clusterIps, port, nodePort, externalIps, loadBalancerIps, externalPolicy, internalPolicy, affinityTimeout,
        healthCheckNodePort, List.of());
  }

  /** Traffic that arrives from outside the cluster: NodePort, externalIPs, LoadBalancer IPs. */
  public boolean hasExternal() {
    return nodePort != 0 || !externalIps.isEmpty() || !loadBalancerIps.isEmpty();
  }

  /**
   * The node itself may reach the LoadBalancer IPs (kube-proxy's "allowFromNode"): a source range
   * holds one of the node's addresses. A LoadBalancer IP that is a local address of the node makes
   * the node's own connections to it come from that address, so the backends then accept the
   * LoadBalancer IPs as sources too.
   */
  public boolean allowsNode(NodeContext node) {
    for (IpPrefix r : sourceRanges)
      for (InetAddress a : node.nodeIps()) if (r.contains(a)) return true;
    return false;
  }
}
