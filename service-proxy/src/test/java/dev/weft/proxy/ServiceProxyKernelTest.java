package dev.weft.proxy;

import static dev.weft.proxy.StoreObjects.ready;
import static dev.weft.proxy.testing.ServiceTopology.POD_A;
import static dev.weft.proxy.testing.ServiceTopology.POD_B;
import static dev.weft.proxy.testing.ServiceTopology.POD_C;
import static dev.weft.proxy.testing.ServiceTopology.tcp;
import static dev.weft.proxy.testing.ServiceTopology.tcpAttempt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.proxy.iptables.IptablesProxyBackend;
import dev.weft.proxy.nft.NftProxyBackend;
import dev.weft.proxy.testing.ServiceTopology;
import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import dev.weft.store.testing.EtcdServer;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole control path on a real kernel: Services and EndpointSlices stored in a real etcd, the
 * {@link ServiceProxy} watching them and programming {@link NftProxyBackend} inside the node
 * namespace of a {@link ServiceTopology}, observed with {@code nft -j list table} and
 * {@code nft monitor} and by connecting through the ClusterIP.
 */
@RootTest
class ServiceProxyKernelTest {
  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();
  static final String TABLE = "weft_proxy";
  static final String CLUSTER_IP = "10.96.0.10";
  static final java.util.concurrent.atomic.AtomicInteger PREFIXES = new java.util.concurrent.atomic.AtomicInteger();
  static ServiceTopology topo;
  ClusterStore store;

  @BeforeAll
  static void up() {
    topo = new ServiceTopology();
  }

  @AfterAll
  static void down() {
    if (topo != null) topo.close();
  }

  @BeforeEach
  void open() {
    // each test its own cluster (key prefix); the table left by the previous test is replaced by
    // the first sync of the next one, and the connections it tracked are forgotten
    store = ClusterStores.open(StoreConfig.etcd(ETCD.endpoints(), "/weft-" + PREFIXES.incrementAndGet()));
    topo.flushConntrack();
  }

  @AfterEach
  void close() {
    store.close();
  }

  ServiceProxy proxy(PrometheusMeterRegistry registry) {
    return ServiceProxy.builder(store, new NftProxyBackend(topo.nodeNetns()), ServiceTopology.NODE_CONTEXT)
        .cleanUp(new IptablesProxyBackend(topo.nodeNetns()))
        .metrics(new ProxyMetrics(registry)).log(s -> System.out.println(System.nanoTime() / 1_000_000 + " " + s)).build();
  }

  /** {@code nft monitor} in the node: every ruleset change, with when it was seen. */
  static final class Monitor implements AutoCloseable {
    record Line(long nanos, String text) {}

    final List<Line> lines = new CopyOnWriteArrayList<>();
    final Process p;

    Monitor(String ns) throws IOException {
      p = new ProcessBuilder("ip", "netns", "exec", ns, "nft", "monitor", "ruleset").redirectError(ProcessBuilder.Redirect.DISCARD).start();
      Thread.ofVirtual().start(() -> {
        try (var r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
          for (String l; (l = r.readLine()) != null; ) lines.add(new Line(System.nanoTime(), l));
        } catch (IOException e) {
          // closed
        }
      });
      ServiceTopology.sleep(200); // let it subscribe
    }

    Line first(Predicate<String> what, Duration within) {
      long deadline = System.nanoTime() + within.toNanos();
      while (System.nanoTime() < deadline) {
        for (Line l : lines) if (what.test(l.text())) return l;
        ServiceTopology.sleep(2);
      }
      throw new AssertionError("nft monitor saw no such change in " + within + ": " + texts());
    }

    List<String> texts() {
      return lines.stream().map(Line::text).toList();
    }

    @Override
    public void close() {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  /** Names of the chains in the proxy's table (nft -j). */
  static List<String> chains() {
    List<String> out = new ArrayList<>();
    for (JsonNode n : topo.nftJson("ip", TABLE)) if (n.has("chain")) out.add(n.get("chain").get("name").asText());
    return out;
  }

  /** The elements of one map or set of the proxy's table, as JSON text ("" when absent). */
  static String elements(String name) {
    for (JsonNode n : topo.nftJson("ip", TABLE)) {
      JsonNode m = n.has("map") ? n.get("map") : n.has("set") ? n.get("set") : null;
      if (m != null && m.get("name").asText().equals(name)) return m.has("elem") ? m.get("elem").toString() : "";
    }
    return "";
  }

  /** The ClusterIP leads to the service's chain (it has endpoints) and the table DNATs to {@code podIp}. */
  static boolean servedBy(String clusterIp, String podIp) {
    return elements("service-ips").contains("\"" + clusterIp + "\"") && topo.nftJson("ip", TABLE).toString().contains("\"" + podIp + "\"");
  }

  /** The ClusterIP is in the no-endpoints map (rejected) and not in the service map. */
  static boolean rejects(String clusterIp) {
    return elements("no-endpoint-services").contains("\"" + clusterIp + "\"") && !elements("service-ips").contains("\"" + clusterIp + "\"");
  }

  static void eventually(String what, java.util.function.BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      ServiceTopology.sleep(10);
    }
  }

  @Test
  void servicesFromTheStoreBecomeRulesAndEndpointsComeAndGo() throws Exception {
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ServiceProxy proxy = proxy(registry);
    try (proxy) {
      proxy.start();
      eventually("first sync (empty)", () -> proxy.syncCount() >= 1);
      assertTrue(topo.nftJson("ip", TABLE).size() > 0, "the table exists after the first sync");
      // the other backend's clean-up ran and left no KUBE-style chains behind
      assertTrue(!ServiceTopology.in(topo.node, "iptables-save", "-t", "nat").contains("WEFT-SVC"), "no iptables proxy chains");

      ServiceTopology.sleep(100); // past the minimum interval: the write below is synced at once
      // nft monitor lines: the ClusterIP's entry in the service map, then in the no-endpoints map
      Predicate<String> served = l -> l.startsWith("add element") && l.contains("service-ips") && l.contains(CLUSTER_IP + " . tcp . 80");
      Predicate<String> rejecting = l -> l.startsWith("add element") && l.contains("no-endpoint-services") && l.contains(CLUSTER_IP + " . tcp . 80");
      try (Monitor mon = new Monitor(topo.node)) {
        long t0 = System.nanoTime();
        store.put(StoreObjects.service("default", "web", CLUSTER_IP, 80));
        long t1 = System.nanoTime();
        store.put(StoreObjects.slice("default", "web", "web-abc", "http", "TCP", 80, List.of(ready(POD_A, "node-1"))));
        long t2 = System.nanoTime();
        var seen = mon.first(served, Duration.ofSeconds(5));
        long ms = (seen.nanos() - t0) / 1_000_000;
        System.out.println("service + endpoint programmed " + ms + " ms after the first store write ("
            + (seen.nanos() - t2) / 1_000_000 + " ms after the slice write returned; the writes took "
            + (t1 - t0) / 1_000_000 + " + " + (t2 - t1) / 1_000_000 + " ms)");
        // ~100 ms on an idle machine (two etcd writes, two nft transactions); the bound leaves room
        // for a loaded CI box
        assertTrue(ms < 1000, "rules appeared " + ms + " ms after the write (want ~100 ms)");
      }
      // the observer: the table now has the ClusterIP and the endpoint's chain
      eventually("service map and DNAT in nft -j", () -> servedBy(CLUSTER_IP, POD_A));
      assertEquals("pod-a " + POD_B, tcp(topo.pod("pod-b"), CLUSTER_IP, 80));

      // the endpoint goes away (pod deleted): the service rejects at once instead of timing out
      try (Monitor mon = new Monitor(topo.node)) {
        long t0 = System.nanoTime();
        store.put(StoreObjects.slice("default", "web", "web-abc", "http", "TCP", 80, List.of()));
        mon.first(rejecting, Duration.ofSeconds(5));
        System.out.println("endpoint removal programmed " + (System.nanoTime() - t0) / 1_000_000 + " ms after the store write");
      }
      eventually("no-endpoints map in nft -j", () -> rejects(CLUSTER_IP));
      assertTrue(!topo.nftJson("ip", TABLE).toString().contains("\"" + POD_A + "\""), "no rule left for the endpoint");
      var attempt = tcpAttempt(topo.pod("pod-b"), CLUSTER_IP, 80, 3);
      assertTrue(attempt.refused(), "rejected: " + attempt);
      assertTrue(attempt.millis() < 1500, "rejected at once, not timed out: " + attempt.millis() + " ms");

      // it comes back
      store.put(StoreObjects.slice("default", "web", "web-abc", "http", "TCP", 80, List.of(ready(POD_A, "node-1"))));
      eventually("served again", () -> servedBy(CLUSTER_IP, POD_A));
      assertEquals("pod-a " + POD_B, tcp(topo.pod("pod-b"), CLUSTER_IP, 80));
      assertEquals(0, new ProxyMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).syncErrors());
      String scrape = registry.scrape();
      assertTrue(scrape.contains("weft_proxy_services 1.0"), scrape);
      assertTrue(scrape.contains("weft_proxy_sync_errors_total 0.0"), scrape);
    }
    // closed: the rules stay (a restart must not flush working state)
    assertTrue(servedBy(CLUSTER_IP, POD_A));
    assertEquals("pod-a " + POD_B, tcp(topo.pod("pod-b"), CLUSTER_IP, 80));
  }

  /** Programs web → pod-a with one proxy, then closes it: the rules stay. */
  void programmedThenClosed() {
    store.put(StoreObjects.service("default", "web", CLUSTER_IP, 80));
    store.put(StoreObjects.slice("default", "web", "web-abc", "http", "TCP", 80, List.of(ready(POD_A, "node-1"))));
    try (ServiceProxy first = proxy(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      first.start();
      eventually("programmed", () -> servedBy(CLUSTER_IP, POD_A));
    }
  }

  @Test
  void aRestartedProxyKeepsServingWithoutAGap() throws Exception {
    programmedThenClosed();
    // a client keeps connecting through the restart: not one attempt may fail
    var failures = new java.util.concurrent.atomic.AtomicInteger();
    var attempts = new java.util.concurrent.atomic.AtomicInteger();
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread client = Thread.ofVirtual().start(() -> {
      while (!stop.get()) {
        attempts.incrementAndGet();
        if (!tcp(topo.pod("pod-b"), CLUSTER_IP, 80).equals("pod-a " + POD_B)) failures.incrementAndGet();
      }
    });
    try (Monitor mon = new Monitor(topo.node);
        ServiceProxy second = proxy(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      second.start();
      eventually("first sync after restart", () -> second.syncCount() >= 1);
      ServiceTopology.sleep(500);
      stop.set(true);
      client.join();
      // the table is still there, with the service (a full sync would replace it in one transaction)
      assertTrue(servedBy(CLUSTER_IP, POD_A));
      System.out.println("restart: first sync full=" + second.lastResult().full() + ", " + mon.texts().size() + " ruleset events");
    }
    assertEquals(0, failures.get(), failures + " of " + attempts + " connections failed across the restart");
    assertTrue(attempts.get() > 3);
  }

  /**
   * The brief for the agent: after a restart the nftables rules must be found right and not be
   * rewritten (a full write only if the kernel differs). That is NftProxyBackend's first sync
   * (state == null → full table); this test states the requirement for it.
   */
  @Test
  void aRestartedProxyWritesNothingWhenTheKernelIsRight() throws Exception {
    programmedThenClosed();
    try (Monitor mon = new Monitor(topo.node);
        ServiceProxy second = proxy(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      second.start();
      eventually("first sync after restart", () -> second.syncCount() >= 1);
      ServiceTopology.sleep(300);
      assertEquals(List.of(), mon.texts(), "nothing written after a restart");
    }
  }

  /** The same control path with the iptables backend (observed by connecting, and by iptables-save). */
  @Test
  void iptablesBackendThroughTheSameController() {
    ServiceProxy p = ServiceProxy.builder(store, new IptablesProxyBackend(topo.nodeNetns()), ServiceTopology.NODE_CONTEXT)
        .cleanUp(new NftProxyBackend(topo.nodeNetns())).log(s -> System.out.println("iptables: " + s)).build();
    try (p) {
      p.start();
      eventually("first sync", () -> p.syncCount() >= 1);
      // switching: the nftables table of the earlier tests is gone
      assertEquals(0, topo.nftJson("ip", TABLE).size(), "nft table removed when iptables starts");
      store.put(StoreObjects.service("default", "ipt", "10.96.0.30", 80));
      store.put(StoreObjects.slice("default", "ipt", "ipt-abc", "http", "TCP", 80, List.of(ready(POD_A, "node-1"))));
      eventually("answers through the ClusterIP", () -> tcp(topo.pod("pod-b"), "10.96.0.30", 80).equals("pod-a " + POD_B));
      assertTrue(ServiceTopology.in(topo.node, "iptables-save", "-t", "nat").contains("10.96.0.30"));
      store.put(StoreObjects.slice("default", "ipt", "ipt-abc", "http", "TCP", 80, List.of()));
      eventually("no endpoint rules", () -> !ServiceTopology.in(topo.node, "iptables-save", "-t", "nat").contains(POD_A));
      // the no-endpoints reject rule (its data path is the iptables backend's own kernel tests' business)
      eventually("reject rule", () -> ServiceTopology.in(topo.node, "iptables-save", "-t", "filter").lines()
          .anyMatch(l -> l.contains("-d 10.96.0.30/32") && l.contains("-j REJECT")));
    } finally {
      // leave the namespace to the nftables tests: switching back removes the iptables rules
      new IptablesProxyBackend(topo.nodeNetns()).removeAll();
    }
    assertTrue(!ServiceTopology.in(topo.node, "iptables-save", "-t", "nat").contains("10.96.0.30"));
  }

  /**
   * UDP has no end: a client sending from one port keeps its conntrack entry and with it the DNAT
   * to a removed endpoint, unless the proxy clears it after the sync (ConntrackCleaner).
   */
  @Test
  void aUdpClientMovesOffARemovedEndpoint() {
    String dnsIp = "10.96.0.53";
    var cleaner = new ConntrackCleaner(topo.nodeNetns());
    ServiceProxy p = ServiceProxy.builder(store, new NftProxyBackend(topo.nodeNetns()), ServiceTopology.NODE_CONTEXT)
        .conntrackCleanup((r, previous, current) -> cleaner.afterSync(r, previous, current, ServiceTopology.NODE_NAME))
        .log(s -> System.out.println("udp: " + s)).build();
    try (p) {
      p.start();
      store.put(StoreObjects.udpService("default", "dns", dnsIp, 53));
      store.put(StoreObjects.slice("default", "dns", "dns-abc", "dns", "UDP", 5353, List.of(ready(POD_A, "node-1"))));
      eventually("programmed", () -> servedBy(dnsIp, POD_A));
      try (var stream = new ServiceTopology.UdpStream(topo.pod("pod-b"), dnsIp, 53, 40053, 100)) {
        eventually("answers from pod-a", () -> stream.last().startsWith("pod-a/5353"));
        // pod-a goes away, pod-c takes over: the same client flow must follow
        store.put(StoreObjects.slice("default", "dns", "dns-abc", "dns", "UDP", 5353, List.of(ready(POD_C, "node-1"))));
        eventually("answers from pod-c", () -> stream.last().startsWith("pod-c/5353"));
      }
    }
  }

  @Test
  void deletingTheServiceRemovesItsRules() {
    store.put(StoreObjects.service("default", "gone", "10.96.0.20", 80));
    store.put(StoreObjects.slice("default", "gone", "gone-abc", "http", "TCP", 80, List.of(ready(POD_A, "node-1"))));
    try (ServiceProxy p = proxy(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      p.start();
      eventually("programmed", () -> servedBy("10.96.0.20", POD_A));
      assertEquals("pod-a " + POD_B, tcp(topo.pod("pod-b"), "10.96.0.20", 80));
      store.delete(io.fabric8.kubernetes.api.model.Service.class, "default", "gone");
      store.delete(EndpointSlice.class, "default", "gone-abc");
      eventually("removed", () -> !topo.nftJson("ip", TABLE).toString().contains("10.96.0.20"));
      assertTrue(chains().stream().noneMatch(c -> c.contains("default/gone")), chains().toString());
    }
  }
}
