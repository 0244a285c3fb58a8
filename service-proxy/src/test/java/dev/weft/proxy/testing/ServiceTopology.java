package dev.weft.proxy.testing;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import dev.weft.proxy.model.NodeContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A two-node cluster with an outside client, built with iproute2 in throw-away namespaces, for
 * service-proxy kernel tests (both backends):
 * <pre>
 *   pod-a 10.244.1.2 ─┐                                                     ┌─ pod-d 10.244.2.2
 *   pod-b 10.244.1.3 ─┼─ cni0 10.244.1.1 [node] n2 172.20.0.1 ── 172.20.0.2 [node-2] cni0 10.244.2.1
 *   pod-c 10.244.1.4 ─┘            ext0 192.168.50.1
 *                                    │
 *                            [ext] 192.168.50.2 (default route via node; node's default route via ext)
 * </pre>
 * "node" is where the proxy under test programs its rules ({@link #nodeNetns()}, {@link #NODE_CONTEXT});
 * pod-d is a non-local endpoint. The node forwards, br_netfilter is on and hairpin_mode is set on the
 * pod bridge ports (a pod reaching its own Service lands on itself through the port it came in by).
 *
 * <p>Every pod runs socat servers answering "{@code <pod name> <peer address>}" on TCP 80 and UDP 80,
 * and "{@code <pod name>/<port> <peer address>}" on TCP 8080 and UDP 5353 (two ports of one
 * service); {@link #sctp} says whether the kernel has SCTP (then SCTP 80 answers too). ext and the
 * node reach every pod directly (routes both ways), so an unmasqueraded source is visible, not
 * unreachable. Closing kills the servers and deletes every namespace.
 */
public final class ServiceTopology implements AutoCloseable {
  public static final String NODE_IP = "192.168.50.1", NODE_IP_2 = "172.20.0.1", EXT_IP = "192.168.50.2", NODE2_IP = "172.20.0.2";
  public static final String GW1 = "10.244.1.1", GW2 = "10.244.2.1";
  public static final String POD_A = "10.244.1.2", POD_B = "10.244.1.3", POD_C = "10.244.1.4", POD_D = "10.244.2.2";
  public static final String NODE_NAME = "node-1", NODE2_NAME = "node-2";
  /** The node under test: node-1, its two addresses, cluster 10.244.0.0/16, pods 10.244.1.0/24. */
  public static final NodeContext NODE_CONTEXT = new NodeContext(NODE_NAME,
      List.of(IpPrefix.parseAddress(NODE_IP), IpPrefix.parseAddress(NODE_IP_2)),
      IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));

  private final TestNetns netns = new TestNetns();
  /** Namespace names. */
  public final String node, node2, ext;
  /** Pod name ("pod-a") → namespace name. */
  public final Map<String, String> pods = new LinkedHashMap<>();
  /** Pod name → IP. */
  public final Map<String, String> podIps = new LinkedHashMap<>();
  /** Whether the kernel speaks SCTP (servers on SCTP 80 then). */
  public final boolean sctp;
  private final List<Process> servers = new ArrayList<>();

  public ServiceTopology() {
    try {
      node = netns.create("node");
      node2 = netns.create("node2");
      ext = netns.create("ext");
      for (String n : List.of(node, node2)) {
        sysctl(n, "net.ipv4.ip_forward=1");
        ip(n, "link add cni0 type bridge");
        ip(n, "link set cni0 up");
        sysctl(n, "net.bridge.bridge-nf-call-iptables=1");
      }
      ip(node, "addr add " + GW1 + "/24 dev cni0");
      ip(node2, "addr add " + GW2 + "/24 dev cni0");
      // node <-> node-2
      ip(node, "link add n2 type veth peer name n1 netns " + node2);
      ip(node, "addr add " + NODE_IP_2 + "/24 dev n2");
      ip(node, "link set n2 up");
      ip(node2, "addr add " + NODE2_IP + "/24 dev n1");
      ip(node2, "link set n1 up");
      ip(node, "route add 10.244.2.0/24 via " + NODE2_IP);
      ip(node2, "route add default via " + NODE_IP_2);
      // node <-> ext
      ip(node, "link add ext0 type veth peer name eth0 netns " + ext);
      ip(node, "addr add " + NODE_IP + "/24 dev ext0");
      ip(node, "link set ext0 up");
      ip(ext, "addr add " + EXT_IP + "/24 dev eth0");
      ip(ext, "link set eth0 up");
      ip(ext, "route add default via " + NODE_IP);
      // the node's own default route (its uplink): without one, the node cannot even start a
      // connection to a ClusterIP (no route, so the output hook never sees it)
      ip(node, "route add default via " + EXT_IP);
      sctp = sctpProbe();
      addPod("pod-a", node, POD_A, GW1);
      addPod("pod-b", node, POD_B, GW1);
      addPod("pod-c", node, POD_C, GW1);
      addPod("pod-d", node2, POD_D, GW2);
      for (var e : pods.entrySet()) {
        String ns = e.getValue(), name = e.getKey();
        serve(ns, "TCP4-LISTEN:80,fork,reuseaddr", name);
        serve(ns, "UDP4-RECVFROM:80,fork", name);
        serve(ns, "TCP4-LISTEN:8080,fork,reuseaddr", name + "/8080");
        serve(ns, "UDP4-RECVFROM:5353,fork", name + "/5353");
        if (sctp) serve(ns, "SCTP4-LISTEN:80,fork,reuseaddr", name);
      }
      for (String ns : pods.values()) waitListening(ns, sctp ? 3 : 2, 2);
      // resolve neighbours now, not in a test's first packet
      for (var e : pods.entrySet()) in(e.getValue(), "ping", "-c1", "-W1", e.getValue().endsWith("pod-d") ? GW2 : GW1);
      in(ext, "ping", "-c1", "-W1", NODE_IP);
      in(node, "ping", "-c1", "-W1", NODE2_IP);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  /** A kernel without SCTP answers socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) with EPROTONOSUPPORT. */
  private boolean sctpProbe() {
    String r = Sh.exec(null, new byte[0], List.of("ip", "netns", "exec", ext, "timeout", "1", "socat", "SCTP4-LISTEN:9", "-")).err();
    return !r.contains("Protocol not supported");
  }

  private void addPod(String name, String nodeNs, String ip, String gw) {
    String ns = netns.create(name);
    String veth = "veth-" + name.substring(4);
    ip(nodeNs, "link add " + veth + " type veth peer name eth0 netns " + ns);
    ip(nodeNs, "link set " + veth + " master cni0 up");
    Sh.run("bridge", "-n", nodeNs, "link", "set", "dev", veth, "hairpin", "on");
    ip(ns, "addr add " + ip + "/24 dev eth0");
    ip(ns, "link set eth0 up");
    ip(ns, "route add default via " + gw);
    pods.put(name, ns);
    podIps.put(name, ip);
  }

  /** The node's namespace path, for the backend under test. */
  public Path nodeNetns() {
    return TestNetns.path(node);
  }

  /** The namespace of pod "pod-a" etc. */
  public String pod(String name) {
    String ns = pods.get(name);
    if (ns == null) throw new IllegalArgumentException("no pod " + name);
    return ns;
  }

  private void serve(String ns, String listen, String answer) {
    try {
      servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "socat", listen, "SYSTEM:echo " + answer + " $SOCAT_PEERADDR")
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
    } catch (IOException e) {
      throw new AssertionError("cannot start socat", e);
    }
  }

  private static void waitListening(String ns, int tcpLike, int udp) {
    for (int i = 0; i < 200; i++) {
      long t = in(ns, "ss", "-Hltn").lines().count() + (tcpLike > 2 ? in(ns, "ss", "-Hl", "-A", "sctp").lines().count() : 0);
      long u = in(ns, "ss", "-Hlun").lines().count();
      if (t >= tcpLike && u >= udp) return;
      sleep(20);
    }
    throw new AssertionError("socat servers did not start in " + ns);
  }

  // ---- clients ----

  /** What a TCP server at addr:port answered a client in {@code ns}; "" when nothing answered. */
  public static String tcp(String ns, String addr, int port) {
    return Sh.exec(null, new byte[0], List.of("ip", "netns", "exec", ns, "timeout", "5", "socat", "-T2", "-",
        "TCP4:" + addr + ":" + port + ",connect-timeout=2")).out().strip();
  }

  /** Like {@link #tcp} but with the client's stderr (e.g. "Connection refused") and how long it took. */
  public record Attempt(String out, String err, long millis) {
    public boolean refused() {
      return err.contains("Connection refused");
    }
  }

  public static Attempt tcpAttempt(String ns, String addr, int port, int timeoutSeconds) {
    long t0 = System.nanoTime();
    Sh.Result r = Sh.exec(null, new byte[0], List.of("ip", "netns", "exec", ns, "timeout", String.valueOf(timeoutSeconds + 1), "socat", "-T" + timeoutSeconds, "-",
        "TCP4:" + addr + ":" + port + ",connect-timeout=" + timeoutSeconds));
    return new Attempt(r.out().strip(), r.err(), (System.nanoTime() - t0) / 1_000_000);
  }

  /** {@code n} TCP connections from {@code ns}, in one shell loop (cheap); one answer per line, "" for none. */
  public static List<String> tcpMany(String ns, String addr, int port, int n) {
    String script = "i=0; while [ $i -lt " + n + " ]; do r=$(socat -T2 - TCP4:" + addr + ":" + port
        + ",connect-timeout=2 </dev/null 2>/dev/null); echo \"R:$r\"; i=$((i+1)); done";
    String out = Sh.exec(null, null, List.of("ip", "netns", "exec", ns, "sh", "-c", script)).out();
    return out.lines().filter(l -> l.startsWith("R:")).map(l -> l.substring(2).strip()).toList();
  }

  /**
   * What a UDP server at addr:port answered a client in {@code ns} (from {@code sourcePort} if &gt; 0);
   * "" when nothing answered after three tries (UDP may lose a datagram).
   */
  public static String udp(String ns, String addr, int port, int sourcePort) {
    String r = "";
    for (int i = 0; i < 3 && r.isEmpty(); i++) r = udpOnce(ns, addr, port, sourcePort, 2);
    return r;
  }

  /** One UDP try, "" when nothing answered within {@code waitSeconds}. */
  public static String udpOnce(String ns, String addr, int port, int sourcePort, int waitSeconds) {
    String target = "UDP4:" + addr + ":" + port + (sourcePort > 0 ? ",sourceport=" + sourcePort + ",reuseaddr" : "");
    return Sh.exec(null, "ping\n".getBytes(), List.of("ip", "netns", "exec", ns, "timeout", String.valueOf(waitSeconds + 3), "socat",
        "-t" + waitSeconds, "-T" + waitSeconds, "-", target)).out().strip();
  }

  /** One SCTP connection's answer, "" for none. */
  public static String sctp(String ns, String addr, int port) {
    return Sh.exec(null, new byte[0], List.of("ip", "netns", "exec", ns, "timeout", "5", "socat", "-T2", "-",
        "SCTP4:" + addr + ":" + port + ",connect-timeout=2")).out().strip();
  }

  /**
   * A UDP client that keeps sending ("ping" every {@code periodMillis}) from one source port, so all
   * its datagrams share one conntrack entry; {@link #answers()} are the replies so far.
   */
  public static final class UdpStream implements AutoCloseable {
    private final Process p;
    private final List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public UdpStream(String ns, String addr, int port, int sourcePort, int periodMillis) {
      String script = "while true; do echo ping; sleep " + (periodMillis / 1000.0) + "; done | socat -T600 - UDP4:" + addr + ":" + port
          + ",sourceport=" + sourcePort + ",reuseaddr";
      try {
        p = new ProcessBuilder("ip", "netns", "exec", ns, "sh", "-c", script).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      Thread.ofVirtual().start(() -> {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
          for (String l; (l = r.readLine()) != null; ) answers.add(l.strip());
        } catch (IOException e) {
          // closed
        }
      });
    }

    public List<String> answers() {
      return List.copyOf(answers);
    }

    /** The last answer, "" if none yet. */
    public String last() {
      List<String> a = answers();
      return a.isEmpty() ? "" : a.getLast();
    }

    @Override
    public void close() {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** The first word of an answer: the pod name ("pod-a" or "pod-a/8080"). */
  public static String who(String answer) {
    int sp = answer.indexOf(' ');
    return sp < 0 ? answer : answer.substring(0, sp);
  }

  /** The second word of an answer: the client address the pod saw. */
  public static String seenFrom(String answer) {
    String[] w = answer.split(" ");
    return w.length > 1 ? w[1] : "";
  }

  // ---- observers ----

  /** Runs a command in a namespace, returning stdout whatever the exit code. */
  public static String in(String ns, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return Sh.exec(null, null, argv).out();
  }

  /** Runs a command in a namespace, failing when it exits non-zero. */
  public static String inOrThrow(String ns, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return Sh.exec(null, null, argv).orThrow(String.join(" ", argv)).out();
  }

  /** {@code nft -j list table <family> <table>} in the node, parsed; an empty array when missing. */
  public com.fasterxml.jackson.databind.JsonNode nftJson(String family, String table) {
    Sh.Result r = Sh.exec(null, null, List.of("ip", "netns", "exec", node, "nft", "-j", "list", "table", family, table));
    if (r.exit() != 0) return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out()).get("nftables");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The node's conntrack table ({@code conntrack -L} text, one entry a line). */
  public String conntrack(String... filter) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", node, "conntrack", "-L"));
    argv.addAll(List.of(filter));
    return Sh.exec(null, null, argv).out();
  }

  /** Forgets every connection the node tracks (between tests sharing one topology). */
  public void flushConntrack() {
    in(node, "conntrack", "-F");
  }

  public static void ip(String ns, String args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
    cmd.addAll(List.of(args.split(" ")));
    Sh.exec(null, null, cmd).orThrow(String.join(" ", cmd));
  }

  public static void sysctl(String ns, String kv) {
    Sh.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", kv);
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    for (Process p : servers) p.destroyForcibly();
    netns.close();
  }
}
