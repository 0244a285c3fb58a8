package dev.weft.bench.services;

import dev.weft.proxy.ProxyBackend;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.iptables.IptablesProxyBackend;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.nft.NftProxyBackend;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The measurements, in this order:
 * <ol>
 *   <li>warm-up: each backend syncs 1 000 services and a few updates in a throw-away namespace (the
 *       JIT compiles the rule generation; the numbers are thrown away);
 *   <li>per size (1, 1 000, 10 000): a topology per backend; its first sync on the empty kernel is
 *       full-sync sample 0; further full-sync samples each in a fresh bare namespace; then
 *       one-service updates, the backends alternating sync by sync;
 *   <li>latency: every topology (both backends, every size, and a floor topology with no rules at
 *       all) takes turns, round by round in a shuffled order, at new connections to the target's
 *       ClusterIP, new connections straight to a pod, and 1-byte round trips on one established
 *       connection to the ClusterIP (to the pod in the floor topology). Round 0 is a warm-up.
 * </ol>
 */
final class ServicesBench {
  /** One timed sync: wall clock around {@code sync()} and what the backend reported. */
  record SyncSample(String backend, int size, String kind, int rep, double wallMs, double reportedMs, boolean full,
      int servicesWritten, int rulesWritten, String changed, boolean timedOut) {}

  /** Latency samples (µs) of one topology and target: "clusterip-connect", "direct-connect", "steady". */
  record Series(String backend, int size, String target, List<Double> micros) {}

  private record Live(String backend, int size, Topology topo, ProxyBackend proxy) {}

  final List<SyncSample> syncs = new ArrayList<>();
  final Map<String, Series> latency = new LinkedHashMap<>();
  final List<String> notes = new ArrayList<>();
  private final BenchOptions o;
  private final Namespaces ns;
  private final PrintStream log;
  private final List<Live> live = new ArrayList<>();

  ServicesBench(BenchOptions o, Namespaces ns, PrintStream log) {
    this.o = o;
    this.ns = ns;
    this.log = log;
  }

  static ProxyBackend backend(String name, Path netns) {
    Namespaces.checkNotRoot(netns);
    return switch (name) {
      case "nftables" -> new NftProxyBackend(netns);
      case "iptables" -> new IptablesProxyBackend(netns);
      default -> throw new IllegalArgumentException(name);
    };
  }

  void run() {
    warmUp();
    for (int i = 0; i < o.sizes().size(); i++) syncPhase(o.sizes().get(i), i);
    if (o.latency()) latencyPhase();
  }

  void closeAll() {
    for (Live l : live) l.topo().close();
    live.clear();
  }

  private void warmUp() {
    ServiceModels.Shape sh = ServiceModels.shape(1000);
    ProxyModel a = sh.model();
    for (String b : o.backends()) {
      Topology t = Topology.bare(ns, "warm-" + abbrev(b));
      try {
        ProxyBackend p = backend(b, t.node);
        long t0 = System.nanoTime();
        p.sync(a, ServiceModels.NODE);
        for (int c = 0; c < 5; c++) {
          p.sync(sh.withOneChanged(c), ServiceModels.NODE);
          p.sync(a, ServiceModels.NODE);
        }
        log.printf("warm-up %s: 1 000 services, 1 full + 10 updates in %d ms (not counted)%n", b, (System.nanoTime() - t0) / 1_000_000);
      } finally {
        t.close();
      }
    }
  }

  private void syncPhase(int size, int index) {
    ServiceModels.Shape sh = ServiceModels.shape(size);
    ProxyModel a = sh.model();
    List<String> order = new ArrayList<>(o.backends());
    if (index % 2 == 1) Collections.reverse(order);
    Map<String, Live> here = new LinkedHashMap<>();
    for (String b : List.copyOf(order)) {
      Topology t = o.latency() ? Topology.create(ns, abbrev(b) + size, ServiceModels.ENDPOINTS) : Topology.bare(ns, abbrev(b) + size);
      Live l = new Live(b, size, t, backend(b, t.node));
      SyncSample s;
      try {
        s = timed(l.proxy(), a, b, size, "full", 0, "");
      } catch (SyncTimeout e) {
        log.println(e.getMessage());
        t.close();
        order.remove(b);
        continue;
      }
      if (o.latency()) live.add(l);
      here.put(b, l);
      if (!s.full()) throw new IllegalStateException(b + ": the first sync was not a full one");
      log.printf("%-8s %6d services: full sync %8.1f ms (%d rules+elements)%n", b, size, s.wallMs(), s.rulesWritten());
    }
    int maxReps = order.stream().mapToInt(b -> o.fullRepsFor(b, size)).max().orElse(1);
    for (int rep = 1; rep < maxReps; rep++) {
      for (String b : rotate(order, rep)) {
        if (rep >= o.fullRepsFor(b, size)) continue;
        Topology t = Topology.bare(ns, abbrev(b) + size + "-f" + rep);
        try {
          SyncSample s = timed(backend(b, t.node), a, b, size, "full", rep, "");
          log.printf("%-8s %6d services: full sync %8.1f ms (fresh namespace %d)%n", b, size, s.wallMs(), rep);
        } catch (SyncTimeout e) {
          log.println(e.getMessage());
        } finally {
          t.close();
        }
      }
    }
    int maxCycles = order.stream().mapToInt(b -> o.updateCyclesFor(b, size)).max().orElse(1);
    int notPartial = 0;
    java.util.Set<String> stopped = new java.util.HashSet<>();
    for (int c = 0; c < maxCycles; c++) {
      int k = c * 7919 + 1;
      ProxyModel changed = sh.withOneChanged(k);
      String id = sh.changedService(k).toString();
      for (int half = 0; half < 2; half++) {
        for (String b : rotate(order, c + half)) {
          if (c >= o.updateCyclesFor(b, size) || stopped.contains(b)) continue;
          try {
            SyncSample s = timed(here.get(b).proxy(), half == 0 ? changed : a, b, size, "update", 2 * c + half, id);
            if (s.full() || s.servicesWritten() != 1) notPartial++;
          } catch (SyncTimeout e) {
            log.println(e.getMessage());
            stopped.add(b);
            Live l = here.remove(b);
            live.remove(l);
            l.topo().close(); // its rules are in an unknown state: no latency from it
          }
        }
      }
    }
    for (String b : here.keySet()) {
      List<Double> u = syncs.stream().filter(s -> s.backend().equals(b) && s.size() == size && s.kind().equals("update") && !s.timedOut()).map(SyncSample::wallMs).toList();
      Stats st = Stats.of(u);
      log.printf("%-8s %6d services: one-service update p50 %.1f ms p99 %.1f ms (n=%d)%n", b, size, st.p50(), st.p99(), st.n());
    }
    if (notPartial > 0) notes.add(notPartial + " update syncs at " + size + " services were not one-service partial syncs");
    if (!o.latency()) for (Live l : here.values()) l.topo().close();
  }

  /** A sync that did not finish within {@code --sync-timeout}: its tools were killed, the sample is censored. */
  static final class SyncTimeout extends RuntimeException {
    SyncTimeout(String m) {
      super(m);
    }
  }

  /**
   * Times one sync on a helper thread. Past the timeout the tools the backend runs (this JVM's own
   * child processes: nsenter, nft, iptables-restore, iptables-save) are killed by pid, a censored
   * sample (wall = the timeout, {@code timedOut}) is recorded and SyncTimeout thrown.
   */
  private SyncSample timed(ProxyBackend p, ProxyModel m, String b, int size, String kind, int rep, String changed) {
    var result = new java.util.concurrent.CompletableFuture<SyncResult>();
    long t0 = System.nanoTime();
    Thread worker = Thread.ofPlatform().name("sync " + b + " " + size).start(() -> {
      try {
        result.complete(p.sync(m, ServiceModels.NODE));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    SyncResult r;
    try {
      r = result.get(o.syncTimeoutSeconds(), java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      double wall = (System.nanoTime() - t0) / 1e6;
      ProcessHandle.current().descendants().filter(ServicesBench::backendTool).forEach(ProcessHandle::destroyForcibly);
      try {
        worker.join(30_000);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      syncs.add(new SyncSample(b, size, kind, rep, wall, Double.NaN, false, 0, 0, changed, true));
      String msg = String.format(java.util.Locale.ROOT, "%s %s sync at %d services did not finish in %d s: stopped", b, kind, size, o.syncTimeoutSeconds());
      notes.add(msg);
      throw new SyncTimeout(msg);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    double wall = (System.nanoTime() - t0) / 1e6;
    SyncSample s = new SyncSample(b, size, kind, rep, wall, r.duration().toNanos() / 1e6, r.full(), r.servicesWritten(), r.rulesWritten(), changed, false);
    syncs.add(s);
    return s;
  }

  private static boolean backendTool(ProcessHandle h) {
    String cmd = h.info().command().orElse("");
    String name = cmd.substring(cmd.lastIndexOf('/') + 1);
    return name.startsWith("iptables") || name.startsWith("xtables") || name.equals("nft") || name.equals("nsenter");
  }

  private void latencyPhase() {
    Topology floor = Topology.create(ns, "floor", ServiceModels.ENDPOINTS);
    live.add(new Live("none", 0, floor, null));
    InetSocketAddress vip = new InetSocketAddress(ServiceModels.TARGET_VIP, ServiceModels.TARGET_PORT);
    for (Live l : live) {
      InetSocketAddress check = l.proxy() == null ? pod(0) : vip;
      if (!l.topo().answers(check)) throw new IllegalStateException(l.topo().tag + ": " + check + " does not answer from the client");
    }
    log.printf("latency: %d topologies answer; %d rounds of %d connects to each target and %d round trips%n", live.size(), o.rounds(),
        o.connects() / o.rounds(), o.pings() / o.rounds());
    Random rnd = new Random(o.seed());
    List<Live> turn = new ArrayList<>(live);
    for (int round = 0; round <= o.rounds(); round++) {
      boolean keep = round > 0; // round 0 warms up the JIT, the neighbour caches, conntrack
      Collections.shuffle(turn, rnd);
      for (Live l : turn) {
        int c = Math.max(1, o.connects() / o.rounds()), p = Math.max(1, o.pings() / o.rounds());
        if (l.proxy() != null) record(l, "clusterip-connect", connects(l.topo(), vip, c, rnd), keep);
        record(l, "direct-connect", connects(l.topo(), null, c, rnd), keep);
        record(l, "steady", pings(l.topo(), l.proxy() == null ? pod(0) : vip, p), keep);
      }
    }
  }

  private void record(Live l, String target, double[] micros, boolean keep) {
    if (!keep) return;
    Series s = latency.computeIfAbsent(l.backend() + "/" + l.size() + "/" + target, x -> new Series(l.backend(), l.size(), target, new ArrayList<>()));
    for (double v : micros) s.micros().add(v);
  }

  private static InetSocketAddress pod(int i) {
    return new InetSocketAddress(ServiceModels.podIp(i), ServiceModels.POD_PORT);
  }

  /** {@code n} new connections (SYN, SYN-ACK: connect() returns), closed with a reset; µs each. */
  private static double[] connects(Topology t, InetSocketAddress to, int n, Random rnd) {
    List<SocketChannel> socks = t.clientSockets(n);
    double[] out = new double[n];
    try {
      for (int i = 0; i < n; i++) {
        SocketChannel s = socks.get(i);
        InetSocketAddress target = to != null ? to : pod(rnd.nextInt(ServiceModels.ENDPOINTS));
        long t0 = System.nanoTime();
        s.connect(target);
        out[i] = (System.nanoTime() - t0) / 1e3;
        s.setOption(StandardSocketOptions.SO_LINGER, 0);
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("connect from " + t.tag, e);
    } finally {
      for (SocketChannel s : socks) {
        try {
          s.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
    return out;
  }

  /** {@code n} 1-byte request/response round trips on the topology's established connection; µs each. */
  private static double[] pings(Topology t, InetSocketAddress to, int n) {
    double[] out = new double[n];
    ByteBuffer b = ByteBuffer.allocateDirect(1);
    try {
      SocketChannel s = t.steady(to);
      for (int i = 0; i < n; i++) {
        b.clear().put((byte) i).flip();
        long t0 = System.nanoTime();
        while (b.hasRemaining()) s.write(b);
        b.clear();
        while (b.position() < 1) if (s.read(b) < 0) throw new IOException("closed by the server");
        out[i] = (System.nanoTime() - t0) / 1e3;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("round trip from " + t.tag, e);
    }
    return out;
  }

  private static <T> List<T> rotate(List<T> l, int by) {
    List<T> r = new ArrayList<>(l);
    Collections.rotate(r, by);
    return r;
  }

  static String abbrev(String backend) {
    return backend.equals("nftables") ? "nft" : "ipt";
  }
}
