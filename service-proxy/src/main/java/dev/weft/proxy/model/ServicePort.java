package dev.weft.proxy.model;

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
    int healthCheckNodePort) {

  public ServicePort {
    clusterIps = List.copyOf(clusterIps);
    externalIps = List.copyOf(externalIps);
    loadBalancerIps = List.copyOf(loadBalancerIps);
  }

  /** Traffic that arrives from outside the cluster: NodePort, externalIPs, LoadBalancer IPs. */
  public boolean hasExternal() {
    return nodePort != 0 || !externalIps.isEmpty() || !loadBalancerIps.isEmpty();
  }
}
