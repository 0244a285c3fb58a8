package dev.weft.agent.overlay;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small cluster made of throw-away namespaces with iproute2 (never the root namespace): an
 * underlay namespace whose bridge {@code br0} carries 192.168.77.0/24 and the "external" address
 * .100; nodes with {@code eth0} = 192.168.77.N, a pod bridge {@code cni0} (10.244.N.1/24) and
 * pods (10.244.N.10+k, MTU 1450, default route via the bridge). Closing removes every namespace.
 */
final class OverlayLab implements AutoCloseable {
  static final IpPrefix CLUSTER = IpPrefix.parse("10.244.0.0/16");
  static final String EXTERNAL_IP = "192.168.77.100";
  static final int POD_MTU = 1450;

  record Pod(String ns, String ip) {}

  record Node(String name, String ns, Path path, String underlayIp, IpPrefix podCidr, List<Pod> pods) {
    OverlayConfig config() {
      return OverlayConfig.of(name, "eth0", IpPrefix.parseAddress(underlayIp), podCidr, CLUSTER);
    }
  }

  final TestNetns netns = new TestNetns();
  final String underlay;
  final List<Node> nodes = new ArrayList<>();

  OverlayLab(int nodeCount, int podsPerNode) {
    boolean ok = false;
    try {
      underlay = netns.create("u");
      batch(underlay, "link add br0 type bridge", "addr add " + EXTERNAL_IP + "/24 dev br0", "link set br0 up");
      for (int n = 1; n <= nodeCount; n++) {
        String ns = netns.create("n" + n);
        String uip = "192.168.77." + n;
        batch(underlay, "link add u" + n + " type veth peer name eth0 netns " + ns, "link set u" + n + " master br0",
            "link set u" + n + " up");
        List<String> cmds = new ArrayList<>(List.of("addr add " + uip + "/24 dev eth0", "link set eth0 up",
            "link add cni0 type bridge", "addr add 10.244." + n + ".1/24 dev cni0", "link set cni0 up"));
        List<Pod> pods = new ArrayList<>();
        for (int k = 0; k < podsPerNode; k++) {
          String pns = netns.create("n" + n + "p" + k);
          String ip = "10.244." + n + "." + (10 + k);
          cmds.add("link add v" + k + " mtu " + POD_MTU + " type veth peer name eth0 netns " + pns);
          cmds.add("link set v" + k + " master cni0");
          cmds.add("link set v" + k + " up");
          pods.add(new Pod(pns, ip));
        }
        batch(ns, cmds.toArray(String[]::new));
        for (Pod p : pods)
          batch(p.ns, "link set eth0 mtu " + POD_MTU, "addr add " + p.ip + "/24 dev eth0", "link set eth0 up",
              "route add default via 10.244." + n + ".1");
        nodes.add(new Node("node-" + n, ns, TestNetns.path(ns), uip, IpPrefix.parse("10.244." + n + ".0/24"), pods));
      }
      ok = true;
    } finally {
      if (!ok) netns.close();
    }
  }

  Node node(int i) {
    return nodes.get(i - 1);
  }

  static void batch(String ns, String... cmds) {
    String script = String.join("\n", cmds) + "\n";
    Sh.exec(null, script.getBytes(StandardCharsets.UTF_8), List.of("ip", "-n", ns, "-batch", "-")).orThrow("ip -n " + ns + " -batch: " + script);
  }

  /** Runs a command inside a namespace. */
  static Sh.Result exec(String ns, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return Sh.exec(Map.of("LC_ALL", "C"), null, argv);
  }

  private final List<Process> spawned = new ArrayList<>();

  /** Starts a long-running command inside a namespace (killed on close). */
  Process spawn(String ns, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      spawned.add(p);
      return p;
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot start " + argv, e);
    }
  }

  @Override
  public void close() {
    for (Process p : spawned) p.destroyForcibly();
    netns.close();
  }
}
