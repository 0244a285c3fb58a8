package dev.weft.cni.e2e;

import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One test's world: throw-away namespaces (the "host" is always one of them, never the root
 * namespace), a temp dir with the CNI_PATH directory (symlinks to dist/bin and /usr/lib/cni), data
 * dirs and plugin logs, and every process the test started. Closing kills those processes, deletes
 * the namespaces (and with them every link, rule and route inside) and the temp dir, even when the
 * test failed; the plugin logs are copied to the test's output first.
 */
final class Lab implements AutoCloseable {
  /** 10.OCTET.n.0/24 subnets, n unique within this JVM: no two networks of the suite overlap. */
  private static final int OCTET = ThreadLocalRandom.current().nextInt(64, 192);
  private static final AtomicInteger SEQ = new AtomicInteger(ThreadLocalRandom.current().nextInt(0, 64));

  final TestNetns netns;
  final Path tmp;
  final Path bin;
  private final List<Exec.Running> running = new CopyOnWriteArrayList<>();
  private final List<Path> logs = new CopyOnWriteArrayList<>();

  /**
   * {@code -Dweft.e2e.reference=true} runs the suite against the reference plugins instead
   * (weft-cni → /usr/lib/cni/bridge, weft-ipam → host-local): a check of the tests themselves, and
   * a list of where the reference falls short. weft-only features (alias, STATUS, GC) fail there.
   */
  static final boolean REFERENCE = Boolean.getBoolean("weft.e2e.reference");

  Lab() {
    if (!REFERENCE) Dist.assumeBuilt();
    try {
      tmp = Files.createTempDirectory("weft-e2e-");
      bin = Files.createDirectories(tmp.resolve("bin"));
      Files.createSymbolicLink(bin.resolve("weft-cni"), REFERENCE ? Path.of("/usr/lib/cni/bridge") : Dist.cni());
      Files.createSymbolicLink(bin.resolve("weft-ipam"), REFERENCE ? Path.of("/usr/lib/cni/host-local") : Dist.ipam());
      try (Stream<Path> ref = Files.list(Path.of("/usr/lib/cni"))) {
        for (Path p : ref.toList()) Files.createSymbolicLink(bin.resolve(p.getFileName()), p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    netns = new TestNetns();
  }

  /** A fresh namespace {@code wft<rand>-<suffix>} with lo up. */
  String ns(String suffix) {
    return netns.create(suffix);
  }

  /** A network on {@code hostNs} with a suite-unique name, bridge and /24. */
  Net net(String hostNs) {
    int n = SEQ.getAndIncrement() % 250;
    String prefix = "10." + OCTET + "." + n;
    String tag = netns.prefix().substring(3) + Integer.toHexString(n);
    return new Net(this, hostNs, "e2e-" + tag, ("wb" + tag), prefix);
  }

  /** A network with an explicit /24 prefix and bridge (the yardstick runs the same config twice). */
  Net net(String hostNs, String name, String bridge, String prefix) {
    return new Net(this, hostNs, name, bridge, prefix);
  }

  /** A suite-unique /24 prefix ("10.x.y") for links the test makes itself. */
  static String freshPrefix() {
    int n = SEQ.getAndIncrement() % 250;
    return "10." + (OCTET + 64) + "." + n;
  }

  /** A namespace outside the host: "ext" reaches the host over a veth on its own /24. */
  record Ext(String ns, String hostAddr, String extAddr) {}

  /** Connects a new namespace to {@code host}: host side .1, ext side .2 of a fresh /24; no routes in ext. */
  Ext ext(String host) {
    String ext = ns("ext");
    String p = freshPrefix();
    Lab.must(host, "ip", "link", "add", "wxh0", "type", "veth", "peer", "name", "eth0", "netns", ext);
    Lab.must(host, "ip", "addr", "add", p + ".1/24", "dev", "wxh0");
    Lab.must(host, "ip", "link", "set", "wxh0", "up");
    Lab.must(ext, "ip", "addr", "add", p + ".2/24", "dev", "eth0");
    Lab.must(ext, "ip", "link", "set", "eth0", "up");
    return new Ext(ext, p + ".1", p + ".2");
  }

  /**
   * A TCP server in {@code ns} on {@code port} answering every connection with the output of the
   * shell command {@code reply} ({@code $SOCAT_PEERADDR} is the client address it sees); returns
   * once it listens.
   */
  void server(String ns, int port, String reply) {
    background(ns, "socat", "TCP4-LISTEN:" + port + ",reuseaddr,fork", "SYSTEM:" + reply);
    awaitListening(ns, "-Hltn", port);
  }

  /** The UDP twin of {@link #server}: answers each datagram with the output of {@code reply}. */
  void udpServer(String ns, int port, String reply) {
    background(ns, "socat", "UDP4-RECVFROM:" + port + ",fork", "SYSTEM:" + reply);
    awaitListening(ns, "-Hlun", port);
  }

  /**
   * Sends a datagram from {@code ns} and returns the answer; like any UDP client it tries again
   * (3 datagrams, 2 s each) before reporting an empty answer: on a loaded machine one datagram
   * or the server's forked reply can be late without anything being wrong.
   */
  static Exec.Out udp(String ns, String addr, int port) {
    Exec.Out out = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      out = in(ns, "sh", "-c", "echo hi | socat -T 2 - UDP4:" + addr + ":" + port);
      if (!out.stdout().isBlank()) return out;
    }
    return out;
  }

  private static void awaitListening(String ns, String ssFlags, int port) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!Lab.in(ns, "ss", ssFlags, "sport = :" + port).stdout().isBlank()) return;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError("socat server in " + ns + " not listening on " + port);
  }

  /** Connects from {@code ns} to addr:port and returns what the server sent (exit != 0 when it failed). */
  static Exec.Out tcp(String ns, String addr, int port) {
    return in(ns, "socat", "-u", "-T", "3", "TCP4:" + addr + ":" + port + ",connect-timeout=3", "STDOUT");
  }

  /** Writes an executable script into CNI_PATH (a fake IPAM plugin, say). */
  Path plugin(String name, String script) {
    try {
      Path p = bin.resolve(name);
      Files.writeString(p, script);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path file(String name) {
    return tmp.resolve(name);
  }

  void logFile(Path p) {
    logs.add(p);
  }

  Exec.Running track(Exec.Running r) {
    running.add(r);
    return r;
  }

  /** Starts a long-running helper (a socat server) inside {@code ns}; killed on close. */
  Exec.Running background(String ns, String... cmd) {
    List<String> argv = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return track(Exec.start(argv, java.util.Map.of(), null, tmp.resolve("scratch")));
  }

  @Override
  public void close() {
    for (Exec.Running r : running) if (r.process.isAlive()) r.kill9();
    for (Path log : logs) {
      if (Files.exists(log)) {
        String text = Exec.read(log);
        if (text.length() > 20_000) text = "..." + text.substring(text.length() - 20_000);
        System.out.println("---- plugin log " + log.getFileName() + " ----\n" + text);
      }
    }
    netns.close();
    Exec.deleteTree(tmp);
  }

  /** Runs {@code cmd} in {@code ns}; the result whatever the exit. */
  static Exec.Out in(String ns, String... cmd) {
    List<String> argv = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns));
    argv.addAll(List.of(cmd));
    return Exec.run(argv, java.util.Map.of(), null, 30);
  }

  /** Runs {@code cmd} in {@code ns}, failing the test when it fails; returns stdout. */
  static String must(String ns, String... cmd) {
    Exec.Out o = in(ns, cmd);
    if (o.exit() != 0) throw new AssertionError("setup step failed: " + o.describe());
    return o.stdout();
  }

  static void sh(String... cmd) {
    Sh.run(cmd);
  }
}
