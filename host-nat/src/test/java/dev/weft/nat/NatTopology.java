package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny node built with iproute2 in throw-away namespaces:
 * <pre>
 *   pod1 (10.77.0.2, fd77::2) ─┐                         ┌ outside (192.168.77.2, fd78::2)
 *   pod2 (10.77.0.3, fd77::3) ─┴ br0 [host] out0 ────────┘
 *        gateway 10.77.0.1, fd77::1          192.168.77.1, fd78::1
 * </pre>
 * The host forwards, br_netfilter is on (so bridged pod-to-pod traffic meets the nat hooks, as on
 * a Kubernetes node) and so is hairpin_mode on the pod ports (with br_netfilter, a packet DNAT'd
 * back to a pod on the same bridge is bridged, not routed, and must leave by the port it came
 * in: the reference bridge's hairpinMode). The host tracks connections (a small firewall table,
 * as any node with kube-proxy or a firewall has). Outside has a route back to the pod subnet, so
 * an unmasqueraded pod source is visible there rather than unreachable. Observers are socat servers that answer with
 * the peer address they saw. Closing kills the servers and deletes every namespace.
 */
final class NatTopology implements AutoCloseable {
  static final String GW4 = "10.77.0.1", GW6 = "fd77::1", HOST4 = "192.168.77.1", HOST6 = "fd78::1";
  static final String OUT4 = "192.168.77.2", OUT6 = "fd78::2";
  static final IpPrefix POD1_4 = IpPrefix.parse("10.77.0.2/24"), POD1_6 = IpPrefix.parse("fd77::2/64");
  static final IpPrefix POD2_4 = IpPrefix.parse("10.77.0.3/24"), POD2_6 = IpPrefix.parse("fd77::3/64");

  final TestNetns netns = new TestNetns();
  final String host, outside, pod1, pod2;
  private final List<Process> servers = new ArrayList<>();

  NatTopology() {
    try {
      host = netns.create("host");
      outside = netns.create("out");
      pod1 = netns.create("pod1");
      pod2 = netns.create("pod2");
      ip(host, "link add br0 type bridge");
      ip(host, "link set br0 up");
      ip(host, "addr add 10.77.0.1/24 dev br0");
      ip(host, "addr add fd77::1/64 dev br0 nodad");
      sysctl(host, "net.ipv4.ip_forward=1");
      sysctl(host, "net.ipv6.conf.all.forwarding=1");
      sysctl(host, "net.bridge.bridge-nf-call-iptables=1");
      sysctl(host, "net.bridge.bridge-nf-call-ip6tables=1");
      attachPod(pod1, "veth1", POD1_4, POD1_6);
      attachPod(pod2, "veth2", POD2_4, POD2_6);
      ip(host, "link add out0 type veth peer name eth0 netns " + outside);
      ip(host, "link set out0 up");
      ip(host, "addr add 192.168.77.1/24 dev out0");
      ip(host, "addr add fd78::1/64 dev out0 nodad");
      ip(outside, "link set eth0 up");
      ip(outside, "addr add 192.168.77.2/24 dev eth0");
      ip(outside, "addr add fd78::2/64 dev eth0 nodad");
      ip(outside, "route add 10.77.0.0/24 via 192.168.77.1");
      ip(outside, "-6 route add fd77::/64 via fd78::1");
      Sh.exec(null, "add table inet hostfw\nadd chain inet hostfw input { type filter hook input priority 0; }\nadd rule inet hostfw input ct state invalid drop\n".getBytes(),
          List.of("ip", "netns", "exec", host, "nft", "-f", "-")).orThrow("host firewall");
      for (String[] hop : new String[][] {{pod1, GW4}, {pod1, GW6}, {pod2, GW4}, {pod2, GW6}, {outside, HOST4}, {outside, HOST6}})
        in(hop[0], "ping", "-c1", "-W1", hop[1]); // resolve neighbours now, not in a test's first UDP packet
    } catch (RuntimeException | Error e) {
      netns.close();
      throw e;
    }
  }

  private void attachPod(String pod, String veth, IpPrefix a4, IpPrefix a6) {
    ip(host, "link add " + veth + " type veth peer name eth0 netns " + pod);
    ip(host, "link set " + veth + " master br0 up");
    ip(host, "link set " + veth + " type bridge_slave hairpin on");
    ip(pod, "link set eth0 up");
    ip(pod, "addr add " + a4 + " dev eth0");
    ip(pod, "addr add " + a6 + " dev eth0 nodad");
    ip(pod, "route add default via " + GW4);
    ip(pod, "-6 route add default via " + GW6);
  }

  Path hostNetns() {
    return TestNetns.path(host);
  }

  static void ip(String ns, String args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns));
    cmd.addAll(List.of(args.split(" ")));
    Sh.exec(null, null, cmd).orThrow(String.join(" ", cmd));
  }

  static void sysctl(String ns, String kv) {
    Sh.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", kv);
  }

  /** Runs a command in a namespace, returning stdout whatever the exit code. */
  static String in(String ns, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return Sh.exec(null, null, argv).out();
  }

  /**
   * Starts socat servers in {@code ns} answering "{@code name} &lt;peer address&gt;" on TCP and UDP
   * {@code port}, IPv4 and IPv6, and waits until they listen.
   */
  void serve(String ns, String name, int port) {
    String reply = "SYSTEM:echo " + name + " $SOCAT_PEERADDR";
    for (String listen : List.of("TCP4-LISTEN:%d,fork,reuseaddr", "TCP6-LISTEN:%d,fork,reuseaddr,ipv6only=1", "UDP4-RECVFROM:%d,fork", "UDP6-RECVFROM:%d,fork,ipv6only=1")) {
      try {
        servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "socat", listen.formatted(port), reply)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start());
      } catch (IOException e) {
        throw new AssertionError("cannot start socat (Debian package socat)", e);
      }
    }
    for (int i = 0; i < 100; i++) {
      String tcp = in(ns, "ss", "-Hltn", "sport = :" + port), udp = in(ns, "ss", "-Hlun", "sport = :" + port);
      if (tcp.lines().count() >= 2 && udp.lines().count() >= 2) return;
      sleep(20);
    }
    throw new AssertionError("socat servers did not start in " + ns);
  }

  /** What a TCP server at addr:port answered a client in {@code ns}, "" when nothing answered. */
  static String tcp(String ns, String addr, int port) {
    String target = addr.contains(":") ? "TCP6:[" + addr + "]:" + port : "TCP4:" + addr + ":" + port;
    return Sh.exec(null, new byte[0], List.of("ip", "netns", "exec", ns, "timeout", "5", "socat", "-T2", "-", target + ",connect-timeout=2")).out().strip();
  }

  /**
   * What a UDP server at addr:port answered a client in {@code ns} (from sourcePort if > 0), ""
   * when nothing answered. UDP may lose a datagram and the forking socat server sometimes answers
   * late, so a silent try is repeated: call {@link #udpSilent} to assert that nothing answers.
   */
  static String udp(String ns, String addr, int port, int sourcePort) {
    String r = "";
    for (int i = 0; i < 3 && r.isEmpty(); i++) r = udpOnce(ns, addr, port, sourcePort, 2);
    return r;
  }

  /** One try: "" when nothing answered within a second. */
  static String udpSilent(String ns, String addr, int port, int sourcePort) {
    return udpOnce(ns, addr, port, sourcePort, 1);
  }

  private static String udpOnce(String ns, String addr, int port, int sourcePort, int waitSeconds) {
    String target = (addr.contains(":") ? "UDP6:[" + addr + "]:" : "UDP4:" + addr + ":") + port + (sourcePort > 0 ? ",sourceport=" + sourcePort + ",reuseaddr" : "");
    return Sh.exec(null, "ping\n".getBytes(), List.of("ip", "netns", "exec", ns, "timeout", "5", "socat", "-t" + waitSeconds, "-T" + waitSeconds, "-", target)).out().strip();
  }

  static void sleep(long ms) {
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
