package dev.weft.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weft.kernel.IpPrefix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft-agent}: the per-node daemon. Every setting is a flag; {@code --config FILE} (YAML or
 * JSON) gives the same settings as keys named like the flags ({@code node-name: node-1}); flags
 * on the command line win over the file.
 */
@Command(name = "weft-agent", mixinStandardHelpOptions = true, version = "weft-agent 0.1.0",
    description = "weft's node agent: subnet lease, VXLAN overlay, egress NAT, CNI fast path, service proxy.")
public final class AgentMain implements Callable<Integer> {
  @Option(names = "--config", description = "YAML/JSON file with the settings below as keys") Path config;
  @Option(names = "--node-name", description = "this node's name (default: the host name)") String nodeName;
  @Option(names = "--underlay-interface", description = "interface carrying the overlay (e.g. eth0)") String underlayInterface;
  @Option(names = "--underlay-ip", description = "VTEP address (default: the interface's first IPv4 address)") String underlayIp;
  @Option(names = "--cluster-cidr", description = "pod network of the whole cluster (e.g. 10.244.0.0/16)") String clusterCidr;
  @Option(names = "--node-prefix", defaultValue = "24", description = "prefix length of each node's pod CIDR (default: ${DEFAULT-VALUE})") int nodePrefix;
  @Option(names = "--vni", defaultValue = "1", description = "VXLAN network identifier (default: ${DEFAULT-VALUE})") int vni;
  @Option(names = "--vxlan-port", defaultValue = "4789", description = "VXLAN UDP port (default: ${DEFAULT-VALUE})") int vxlanPort;
  @Option(names = "--datastore", defaultValue = "etcd", description = "etcd or kubernetes (default: ${DEFAULT-VALUE})") String datastore;
  @Option(names = "--etcd-endpoints", split = ",", description = "etcd client URLs") List<String> etcdEndpoints = new ArrayList<>();
  @Option(names = "--etcd-prefix", defaultValue = "/weft", description = "key prefix in etcd (default: ${DEFAULT-VALUE})") String etcdPrefix;
  @Option(names = "--kubeconfig", description = "kubeconfig for --datastore kubernetes (default: in-cluster)") Path kubeconfig;
  @Option(names = "--cni-conf-dir", defaultValue = "/etc/cni/net.d", description = "where the conflist goes (default: ${DEFAULT-VALUE})") Path cniConfDir;
  @Option(names = "--state-dir", defaultValue = "/var/lib/weft", description = "agent state (default: ${DEFAULT-VALUE})") Path stateDir;
  @Option(names = "--ipam-data-dir", defaultValue = "/var/lib/cni/networks", description = "weft-ipam reservations (default: ${DEFAULT-VALUE})") Path ipamDataDir;
  @Option(names = "--cni-socket", defaultValue = "/run/weft/cni.sock", description = "CNI fast-path socket (default: ${DEFAULT-VALUE})") Path cniSocket;
  @Option(names = "--http-listen", defaultValue = "0.0.0.0:9402", description = "metrics and health (default: ${DEFAULT-VALUE})") String httpListen;
  @Option(names = "--lease-ttl", defaultValue = "30s", description = "subnet lease TTL (default: ${DEFAULT-VALUE})") String leaseTtl;
  @Option(names = "--resync", defaultValue = "10s", description = "periodic full reconcile (default: ${DEFAULT-VALUE})") String resync;
  @Option(names = "--proxy", defaultValue = "nftables", description = "service proxy backend: nftables, iptables or none (default: ${DEFAULT-VALUE})") String proxy;
  @Option(names = "--proxy-resync", defaultValue = "30s", description = "service proxy full resync period (default: ${DEFAULT-VALUE})") String proxyResync;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String[] args) {
    CommandLine cl = new CommandLine(new AgentMain());
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      cmd.getErr().println("weft-agent: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    try {
      return cl.execute(withConfigFile(args));
    } catch (IllegalArgumentException e) {
      System.err.println("weft-agent: " + e.getMessage());
      return 2;
    }
  }

  /** The file's settings as flags placed before the command line's own, so the command line wins. */
  static String[] withConfigFile(String[] args) {
    int at = Arrays.asList(args).indexOf("--config");
    if (at < 0 || at + 1 >= args.length) return args;
    Path file = Path.of(args[at + 1]);
    Map<?, ?> settings;
    try {
      settings = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Map.class);
    } catch (Exception e) {
      throw new IllegalArgumentException("--config " + file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
    }
    List<String> out = new ArrayList<>();
    if (settings != null) settings.forEach((k, v) -> {
      String value = v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : String.valueOf(v);
      out.add("--" + k);
      out.add(value);
    });
    out.addAll(Arrays.asList(args));
    return out.toArray(String[]::new);
  }

  AgentConfig toConfig() {
    String node = nodeName != null ? nodeName : hostName();
    IpPrefix cidr;
    try {
      cidr = clusterCidr == null ? null : IpPrefix.parse(clusterCidr).network();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cluster-cidr: " + e.getMessage());
    }
    return new AgentConfig(node, underlayInterface, underlayIp, cidr, nodePrefix, vni, vxlanPort, datastore,
        List.copyOf(etcdEndpoints), etcdPrefix, kubeconfig, cniConfDir, stateDir, ipamDataDir, cniSocket, httpListen,
        DurationText.parse(leaseTtl), DurationText.parse(resync), proxy, DurationText.parse(proxyResync));
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return System.getenv().getOrDefault("HOSTNAME", "node");
    }
  }

  @Override
  public Integer call() throws Exception {
    AgentConfig cfg = toConfig();
    // counted down once main has closed the agent; the hook waits for that, not for main to end: main then
    // calls System.exit, which blocks while the hook runs (joining main made every SIGTERM take the full 5 s)
    java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    try (WeftAgent agent = new WeftAgent(cfg)) {
      // SIGTERM: stop the loop, then let main close things (fast-path socket) before the JVM halts
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        agent.stop();
        try {
          closed.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException ignored) {
          // halting anyway
        }
      }, "weft-agent-shutdown"));
      agent.run();
    } finally {
      closed.countDown();
    }
    return 0;
  }
}
