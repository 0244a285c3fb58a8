package dev.weft.lab;

import dev.weft.lab.services.Ipv4Range;
import dev.weft.lab.services.PortRange;
import dev.weft.lab.services.ServiceRanges;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code weft lab up} decided, kept in {@code lab.json}: the topology (underlay, nodes, external
 * client), where the binaries are, the cluster's addressing. Everything else reads it.
 *
 * @param dist the weft distribution (its {@code bin/} is the CNI_PATH)
 * @param agent the weft-agent executable run on every node
 * @param proxy the service proxy backend every agent runs: {@code nftables} (default) or {@code iptables}
 * @param serviceCidr where ClusterIPs come from ({@code weft apply})
 * @param nodePorts the NodePort range
 * @param lbPool LoadBalancer ingress IPs, on the underlay subnet so that the external client reaches them
 */
public record LabConfig(String name, Path dist, Path agent, String underlayCidr, String etcdIp, int etcdPort,
    String clusterCidr, int nodePrefix, List<Node> nodes, String extIp, long createdMillis, String proxy,
    String serviceCidr, String nodePorts, String lbPool) {

  public static final String UNDERLAY_BRIDGE = "br0";
  public static final String UNDERLAY_NET = "172.30.0";
  public static final int UNDERLAY_PREFIX = 24;
  public static final String CLUSTER_CIDR = "10.244.0.0/16";
  public static final int NODE_PREFIX = 24;
  public static final int AGENT_HTTP_PORT = 9402;
  public static final String ETCD_PREFIX = "/weft";
  public static final int MAX_NODES = 50;
  public static final List<String> PROXIES = List.of("nftables", "iptables");
  public static final String DEFAULT_PROXY = "nftables";
  public static final String SERVICE_CIDR = ServiceRanges.DEFAULT_SERVICE_CIDR;
  public static final String NODE_PORTS = PortRange.DEFAULT_NODE_PORTS.toString();
  public static final String LB_POOL = UNDERLAY_NET + ".100-" + UNDERLAY_NET + ".149";

  /** A node: a namespace with {@code eth0} on the underlay. */
  public record Node(String name, String netns, String underlayIp) {}

  public static LabConfig plan(LabPaths paths, int nodeCount, Path dist, Path agent) {
    return plan(paths, nodeCount, dist, agent, DEFAULT_PROXY);
  }

  public static LabConfig plan(LabPaths paths, int nodeCount, Path dist, Path agent, String proxy) {
    if (nodeCount < 1 || nodeCount > MAX_NODES) throw new LabException("--nodes must be between 1 and " + MAX_NODES + " (got " + nodeCount + ")");
    if (proxy == null) proxy = DEFAULT_PROXY;
    if (!PROXIES.contains(proxy)) throw new LabException("unknown proxy backend '" + proxy + "' (nftables or iptables)");
    List<Node> nodes = new ArrayList<>();
    for (int i = 1; i <= nodeCount; i++) {
      String n = "node-" + i;
      nodes.add(new Node(n, paths.nodeNs(n), UNDERLAY_NET + "." + (10 + i)));
    }
    return new LabConfig(paths.lab(), dist, agent, UNDERLAY_NET + ".0/" + UNDERLAY_PREFIX, UNDERLAY_NET + ".1", 2379,
        CLUSTER_CIDR, NODE_PREFIX, List.copyOf(nodes), UNDERLAY_NET + ".200", System.currentTimeMillis(), proxy, SERVICE_CIDR, NODE_PORTS,
        LB_POOL);
  }

  /** The ranges {@code weft apply} allocates from in this lab. */
  public ServiceRanges serviceRanges() {
    return new ServiceRanges(Ipv4Range.parse(serviceCidr), PortRange.parse(nodePorts), lbPool == null ? null : Ipv4Range.parse(lbPool));
  }

  public String etcdEndpoint() {
    return "http://" + etcdIp + ":" + etcdPort;
  }

  public Node node(String nodeName) {
    for (Node n : nodes) if (n.name().equals(nodeName)) return n;
    List<String> names = nodes.stream().map(Node::name).toList();
    throw new LabException("node " + nodeName + " does not exist (nodes: " + String.join(", ", names) + ")");
  }

  public boolean hasNode(String nodeName) {
    return nodes.stream().anyMatch(n -> n.name().equals(nodeName));
  }

  /**
   * The agent's command line on one node, exactly as the lab runs it (inside the node's namespace).
   */
  public List<String> agentCommand(LabPaths paths, Node node) {
    String n = node.name();
    return List.of(agent.toString(),
        "--node-name", n,
        "--underlay-interface", "eth0",
        "--cluster-cidr", clusterCidr,
        "--node-prefix", Integer.toString(nodePrefix),
        "--datastore", "etcd",
        "--etcd-endpoints", etcdEndpoint(),
        "--etcd-prefix", ETCD_PREFIX,
        "--cni-conf-dir", paths.cniConfDir(n).toString(),
        "--state-dir", paths.agentStateDir(n).toString(),
        "--ipam-data-dir", paths.ipamDataDir(n).toString(),
        "--cni-socket", paths.cniSocket(n).toString(),
        "--http-listen", "0.0.0.0:" + AGENT_HTTP_PORT,
        "--lease-ttl", "15s",
        "--proxy", proxy);
  }

  /** etcd, in the underlay namespace, data under the state directory (which marks its command line). */
  public List<String> etcdCommand(LabPaths paths) {
    String member = "wftlab-" + name;
    return List.of("etcd",
        "--name", member,
        "--data-dir", paths.etcdDataDir().toString(),
        "--listen-client-urls", etcdEndpoint() + ",http://127.0.0.1:" + etcdPort,
        "--advertise-client-urls", etcdEndpoint(),
        "--listen-peer-urls", "http://127.0.0.1:2380",
        "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
        "--initial-cluster", member + "=http://127.0.0.1:2380",
        "--logger", "zap", "--log-level", "warn");
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("dist", dist.toString());
    m.put("agent", agent.toString());
    m.put("underlayCidr", underlayCidr);
    m.put("etcdIp", etcdIp);
    m.put("etcdPort", (long) etcdPort);
    m.put("clusterCidr", clusterCidr);
    m.put("nodePrefix", (long) nodePrefix);
    List<Object> ns = new ArrayList<>();
    for (Node n : nodes) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", n.name());
      o.put("netns", n.netns());
      o.put("underlayIp", n.underlayIp());
      ns.add(o);
    }
    m.put("nodes", ns);
    m.put("extIp", extIp);
    m.put("created", createdMillis);
    m.put("proxy", proxy);
    m.put("serviceCidr", serviceCidr);
    m.put("nodePorts", nodePorts);
    m.put("lbPool", lbPool);
    return m;
  }

  static LabConfig fromJson(Map<String, Object> m) {
    List<Node> nodes = new ArrayList<>();
    for (Object o : J.list(m.get("nodes"))) {
      Map<String, Object> n = J.map(o);
      nodes.add(new Node(J.str(n, "name"), J.str(n, "netns"), J.str(n, "underlayIp")));
    }
    return new LabConfig(J.str(m, "name"), Path.of(J.str(m, "dist")), Path.of(J.str(m, "agent")), J.str(m, "underlayCidr"),
        J.str(m, "etcdIp"), (int) J.num(m, "etcdPort", 2379), J.str(m, "clusterCidr"), (int) J.num(m, "nodePrefix", 24),
        List.copyOf(nodes), J.str(m, "extIp"), J.num(m, "created", 0), orDefault(J.str(m, "proxy"), DEFAULT_PROXY),
        orDefault(J.str(m, "serviceCidr"), SERVICE_CIDR), orDefault(J.str(m, "nodePorts"), NODE_PORTS), orDefault(J.str(m, "lbPool"), LB_POOL));
  }

  private static String orDefault(String v, String dflt) {
    return v == null ? dflt : v;
  }

  public void write(LabPaths paths) {
    J.writeAtomically(paths.labFile(), toJson());
  }

  public static LabConfig read(LabPaths paths) {
    return fromJson(J.read(paths.labFile()));
  }
}
