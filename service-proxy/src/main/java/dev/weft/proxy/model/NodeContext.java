package dev.weft.proxy.model;

import dev.weft.kernel.IpPrefix;
import java.net.InetAddress;
import java.util.List;

/**
 * What the rules need to know about the node they run on.
 *
 * @param nodeName for Local traffic policies (endpoints with this nodeName are local)
 * @param nodeIps the node's addresses on which NodePorts answer
 * @param clusterCidr the pod network: traffic from outside it to a ClusterIP is masqueraded
 * @param podCidr this node's pods: for externalTrafficPolicy Local, traffic from local pods goes
 *     to all endpoints (kube-proxy's "pod-originated" rule)
 */
public record NodeContext(String nodeName, List<InetAddress> nodeIps, IpPrefix clusterCidr, IpPrefix podCidr) {
  public NodeContext {
    nodeIps = List.copyOf(nodeIps);
  }
}
