package dev.weft.agent;

import dev.weft.kernel.IpPrefix;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a node agent needs to know, from flags and/or a config file (see {@link AgentMain}).
 *
 * @param underlayIp null = the first IPv4 address of {@code underlayInterface}
 * @param proxy the service proxy's backend: {@code nftables}, {@code iptables} or {@code none}
 * @param proxyResync period of the service proxy's full resync
 */
public record AgentConfig(
    String nodeName,
    String underlayInterface,
    String underlayIp,
    IpPrefix clusterCidr,
    int nodePrefixLength,
    int vni,
    int vxlanPort,
    String datastore,
    List<String> etcdEndpoints,
    String etcdPrefix,
    Path kubeconfig,
    Path cniConfDir,
    Path stateDir,
    Path ipamDataDir,
    Path cniSocket,
    String httpListen,
    Duration leaseTtl,
    Duration resync,
    String proxy,
    Duration proxyResync) {

  /** The values {@code --proxy} accepts. */
  public static final java.util.List<String> PROXY_MODES = java.util.List.of("nftables", "iptables", "none");

  public AgentConfig {
    if (nodeName == null || nodeName.isBlank()) throw new IllegalArgumentException("--node-name is required");
    if (underlayInterface == null || underlayInterface.isBlank()) throw new IllegalArgumentException("--underlay-interface is required");
    if (clusterCidr == null) throw new IllegalArgumentException("--cluster-cidr is required");
    if (!clusterCidr.isIpv4()) throw new IllegalArgumentException("--cluster-cidr: only IPv4 cluster CIDRs are supported");
    if (nodePrefixLength <= clusterCidr.prefixLength() || nodePrefixLength > 30)
      throw new IllegalArgumentException("--node-prefix " + nodePrefixLength + " must be longer than the cluster CIDR's /"
          + clusterCidr.prefixLength() + " and at most 30");
    if (vni < 1 || vni > 0xffffff) throw new IllegalArgumentException("--vni " + vni + " is outside 1-16777215");
    if (vxlanPort < 1 || vxlanPort > 65535) throw new IllegalArgumentException("--vxlan-port " + vxlanPort + " is outside 1-65535");
    if (!datastore.equals("etcd") && !datastore.equals("kubernetes"))
      throw new IllegalArgumentException("--datastore \"" + datastore + "\" is not etcd or kubernetes");
    if (datastore.equals("etcd") && etcdEndpoints.isEmpty()) throw new IllegalArgumentException("--etcd-endpoints is required with --datastore etcd");
    if (leaseTtl.toSeconds() < 2) throw new IllegalArgumentException("--lease-ttl must be at least 2s");
    if (!PROXY_MODES.contains(proxy)) throw new IllegalArgumentException("--proxy \"" + proxy + "\" is not nftables, iptables or none");
    if (proxyResync.toMillis() < 1000) throw new IllegalArgumentException("--proxy-resync must be at least 1s");
  }

  /** The conflist the agent writes for the container runtime. */
  public Path conflistPath() {
    return cniConfDir.resolve("10-weft.conflist");
  }
}
