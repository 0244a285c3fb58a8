package dev.weft.cli;

import dev.weft.kernel.NetNs;
import dev.weft.lab.LabConfig;
import dev.weft.lab.LabException;
import dev.weft.lab.LabPaths;
import dev.weft.lab.services.Ipv4Range;
import dev.weft.lab.services.PortRange;
import dev.weft.lab.services.ServiceRanges;
import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where {@code weft apply/get/delete} find the cluster: a lab ({@code --lab NAME}, default {@code weft}) or any etcd
 * ({@code --etcd URL}), and the ranges apply allocates from (the lab's, or the {@code --service-cidr} /
 * {@code --node-port-range} / {@code --lb-pool} flags with {@code --etcd}).
 *
 * <p><b>Reaching a lab's etcd.</b> It listens only inside the lab's underlay namespace (172.30.0.1:2379, and its
 * loopback), while the command runs in the root namespace, which must not get addresses or routes. The command
 * therefore re-executes itself inside the underlay namespace — same JVM binary, flags, class path and arguments,
 * started from a thread that has entered {@code /run/netns/wftlab-<lab>-underlay} (so the child process lives
 * there entirely), with stdin/stdout/stderr inherited and its exit code passed through. Why not the alternatives:
 * running the store client on a thread inside the namespace ({@code NetNs.call}) is fragile, because jetcd opens
 * its sockets on grpc/netty threads created lazily by whichever thread first needs one (a reconnect from a timer
 * thread would connect from the root namespace); a unix socket for etcd would need netty's native epoll transport
 * for grpc, which weft does not ship. The hop costs one JVM start (~0.3 s with the AOT cache) and is robust: every
 * thread and socket of the child is in the namespace. The child knows it has arrived by comparing its network
 * namespace with the underlay's (and {@code WEFT_LAB_HOP} guards against a loop).
 */
public final class StoreOptions {
  static final String HOP_ENV = "WEFT_LAB_HOP";

  @Option(names = "--lab", paramLabel = "LAB", defaultValue = "weft", description = "the lab whose cluster to use (default: ${DEFAULT-VALUE})")
  String lab;

  @Option(names = "--etcd", paramLabel = "URL", description = "use this etcd instead of a lab (e.g. http://127.0.0.1:2379)")
  String etcd;

  @Option(names = "--etcd-prefix", paramLabel = "PREFIX", defaultValue = LabConfig.ETCD_PREFIX, description = "key prefix with --etcd (default: ${DEFAULT-VALUE})")
  String etcdPrefix;

  @Option(names = "--service-cidr", paramLabel = "CIDR", defaultValue = ServiceRanges.DEFAULT_SERVICE_CIDR,
      description = "ClusterIP range with --etcd (default: ${DEFAULT-VALUE})")
  String serviceCidr;

  @Option(names = "--node-port-range", paramLabel = "FIRST-LAST", defaultValue = "30000-32767", description = "NodePort range with --etcd (default: ${DEFAULT-VALUE})")
  String nodePortRange;

  @Option(names = "--lb-pool", paramLabel = "RANGE", description = "LoadBalancer ingress IPs with --etcd, a CIDR or first-last (default: none: <pending>)")
  String lbPool;

  /** What a command works with. */
  public record Cluster(ClusterStore store, ServiceRanges ranges) {}

  @FunctionalInterface
  public interface Body {
    int run(Cluster cluster) throws Exception;
  }

  /** Runs {@code body} against the cluster; for a lab seen from outside its underlay namespace, in a re-executed child. */
  int run(Body body) throws Exception {
    if (etcd != null) {
      ServiceRanges ranges = new ServiceRanges(Ipv4Range.parse(serviceCidr), PortRange.parse(nodePortRange), lbPool == null ? null : Ipv4Range.parse(lbPool));
      return withStore(List.of(etcd), etcdPrefix, ranges, body);
    }
    LabPaths paths = new LabPaths(lab);
    if (!Files.exists(paths.labFile()))
      throw new LabException("lab " + lab + " is not up: start it with 'weft lab up" + (lab.equals(LabPaths.DEFAULT_LAB) ? "" : " --name " + lab)
          + "', or use --etcd URL");
    LabConfig cfg = LabConfig.read(paths);
    Path underlay = NetNs.path(paths.underlayNs());
    if (!Files.exists(underlay)) throw new LabException("lab " + lab + " has no underlay namespace " + underlay + ": 'weft lab down' and up again");
    if (sameNetns(underlay)) return withStore(List.of(cfg.etcdEndpoint()), LabConfig.ETCD_PREFIX, cfg.serviceRanges(), body);
    if (lab.equals(System.getenv(HOP_ENV))) throw new LabException("could not enter the network namespace " + underlay);
    return hop(underlay);
  }

  private static int withStore(List<String> endpoints, String prefix, ServiceRanges ranges, Body body) throws Exception {
    try (ClusterStore store = ClusterStores.open(StoreConfig.etcd(endpoints, prefix).withTimeout(Duration.ofSeconds(10)))) {
      return body.run(new Cluster(store, ranges));
    }
  }

  private static boolean sameNetns(Path ns) {
    try {
      return Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino").equals(Files.getAttribute(ns, "unix:ino"));
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /** This very command, again, inside {@code ns}; its exit code. */
  private int hop(Path ns) throws InterruptedException {
    // the JVM's own command line up to the main class (/proc/self/cmdline: no JMX to load), then the arguments
    List<String> cmd = new ArrayList<>();
    ProcessHandle.Info info = ProcessHandle.current().info();
    cmd.add(info.command().orElse(System.getProperty("java.home") + "/bin/java"));
    List<String> jvm = List.of(info.arguments().orElse(new String[0]));
    int main = jvm.indexOf(WeftMain.class.getName());
    if (main < 0) {
      cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), WeftMain.class.getName()));
    } else {
      cmd.addAll(jvm.subList(0, main));
      // jetcd's protobuf and netty call sun.misc.Unsafe, which JDK 25 reports on stderr; allowed explicitly here
      if (jvm.stream().noneMatch(a -> a.startsWith("--sun-misc-unsafe-memory-access"))) cmd.add("--sun-misc-unsafe-memory-access=allow");
      cmd.add(WeftMain.class.getName());
    }
    cmd.addAll(WeftMain.arguments());
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put(HOP_ENV, lab);
    Process p = NetNs.call(ns, pb::start);
    while (true) {
      try {
        return p.waitFor();
      } catch (InterruptedException e) {
        p.destroy();
        throw e;
      }
    }
  }
}
