package dev.weft.proxy;

import static dev.weft.proxy.StoreObjects.ready;
import static dev.weft.proxy.StoreObjects.service;
import static dev.weft.proxy.StoreObjects.slice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import dev.weft.store.testing.EtcdServer;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The controller against a real etcd, with a backend that records its syncs. */
class ServiceProxyTest {
  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();
  static final AtomicInteger PREFIXES = new AtomicInteger();
  static final NodeContext NODE = new NodeContext("node-1", List.of(IpPrefix.parseAddress("192.168.50.1")),
      IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));
  static final ServicePortName WEB = new ServicePortName("shop", "web", "http", Protocol.TCP);

  ClusterStore store;
  FakeBackend backend;
  PrometheusMeterRegistry registry;
  ProxyMetrics metrics;
  ServiceProxy proxy;
  final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open(TestInfo info) {
    // a fresh key prefix per test: the etcd is shared by the class
    store = ClusterStores.open(StoreConfig.etcd(ETCD.endpoints(), "/weft-" + PREFIXES.incrementAndGet()));
    backend = new FakeBackend("nftables");
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    metrics = new ProxyMetrics(registry);
  }

  @AfterEach
  void close() {
    if (proxy != null) proxy.close();
    store.close();
  }

  ServiceProxy.Builder builder() {
    return ServiceProxy.builder(store, backend, NODE).metrics(metrics).log(log::add)
        .minSyncInterval(Duration.ofMillis(20)).resyncPeriod(Duration.ofSeconds(30)).backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  static void eventually(String what, BooleanSupplier cond) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  static List<String> ips(ProxyModel m, ServicePortName id) {
    return m.endpointsOf(id).stream().map(e -> e.ip().getHostAddress() + ":" + e.port()).toList();
  }

  boolean lastHas(ServicePortName id, String... endpoints) {
    var c = backend.last();
    return c != null && c.model().services().containsKey(id) && ips(c.model(), id).equals(List.of(endpoints));
  }

  @Test
  void firstSyncWaitsForBothListsAndHasTheWholeState() {
    store.put(service("shop", "web", "10.96.0.10", 80));
    store.put(slice("shop", "web", 8080, "10.244.1.2", "10.244.2.2"));
    proxy = builder().build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    var first = backend.syncs.getFirst();
    // never a model with the service but without its endpoints (that would reject for a moment)
    assertEquals(List.of("10.244.1.2:8080", "10.244.2.2:8080"), ips(first.model(), WEB));
    assertTrue(first.full());
    assertEquals(0, backend.invalidations.get(), "a (re)start must not force a rewrite: the backend decides");
    assertEquals(1, proxy.syncCount());
  }

  @Test
  void levelTriggeredOnEveryChange() throws Exception {
    proxy = builder().build();
    proxy.start();
    eventually("empty first sync", () -> backend.last() != null && backend.last().model().services().isEmpty());

    store.put(service("shop", "web", "10.96.0.10", 80));
    eventually("service without endpoints", () -> lastHas(WEB));
    store.put(slice("shop", "web", 8080, "10.244.1.2"));
    eventually("one endpoint", () -> lastHas(WEB, "10.244.1.2:8080"));
    store.put(slice("shop", "web", 8080, "10.244.1.2", "10.244.1.3"));
    eventually("two endpoints", () -> lastHas(WEB, "10.244.1.2:8080", "10.244.1.3:8080"));
    // a second slice for the same service adds to it
    store.put(slice("shop", "web", "web-def", "http", "TCP", 8080, List.of(ready("10.244.2.9", "node-2"))));
    eventually("two slices", () -> lastHas(WEB, "10.244.1.2:8080", "10.244.1.3:8080", "10.244.2.9:8080"));
    store.delete(EndpointSlice.class, "shop", "web-abc");
    eventually("first slice gone", () -> lastHas(WEB, "10.244.2.9:8080"));
    store.delete(Service.class, "shop", "web");
    eventually("service gone", () -> backend.last().model().services().isEmpty());
    assertTrue(metrics.syncErrors() == 0);
    assertTrue(registry.scrape().contains("weft_proxy_endpoint_changes_total 4.0"), registry.scrape());
  }

  @Test
  void aChangeIsSyncedWithinMilliseconds() {
    proxy = builder().build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    store.put(service("shop", "web", "10.96.0.10", 80));
    eventually("service", () -> lastHas(WEB));
    sleep(100); // past the minimum interval: the next change goes out at once
    long t0 = System.nanoTime();
    store.put(slice("shop", "web", 8080, "10.244.1.2"));
    eventually("endpoint", () -> lastHas(WEB, "10.244.1.2:8080"));
    long ms = (backend.last().nanos() - t0) / 1_000_000;
    assertTrue(ms < 100, "synced " + ms + " ms after the write");
  }

  @Test
  void burstsAreCoalescedAndTheLastStateWins() {
    proxy = builder().minSyncInterval(Duration.ofMillis(200)).build();
    proxy.start();
    store.put(service("shop", "web", "10.96.0.10", 80));
    eventually("service", () -> lastHas(WEB));
    int before = backend.syncs.size();
    long t0 = System.nanoTime();
    List<String> ips = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      ips.add("10.244.1." + i);
      store.put(slice("shop", "web", 8080, ips.toArray(String[]::new)));
    }
    long writeMs = (System.nanoTime() - t0) / 1_000_000;
    String[] want = ips.stream().map(ip -> ip + ":8080").toArray(String[]::new);
    eventually("final state", () -> lastHas(WEB, want));
    sleep(300);
    var mine = backend.syncs.subList(before, backend.syncs.size());
    // 40 changes in writeMs: at most one sync per 200 ms (+1 for the leading edge, +1 trailing)
    assertTrue(mine.size() <= writeMs / 200 + 2, mine.size() + " syncs for 40 changes in " + writeMs + " ms");
    assertTrue(mine.size() < 40);
    for (int i = 1; i < mine.size(); i++) {
      long gap = (mine.get(i).nanos() - mine.get(i - 1).nanos()) / 1_000_000;
      assertTrue(gap >= 195, "syncs " + gap + " ms apart");
    }
    assertTrue(lastHas(WEB, want), "the last sync has the last state");
  }

  @Test
  void periodicFullResync() {
    proxy = builder().resyncPeriod(Duration.ofMillis(300)).build();
    proxy.start();
    store.put(service("shop", "web", "10.96.0.10", 80));
    eventually("three resyncs", () -> backend.invalidations.get() >= 3);
    // each resync invalidates then syncs the same model: full syncs, counted as such
    long fulls = backend.syncs.stream().filter(FakeBackend.Call::full).count();
    assertTrue(fulls >= 3, fulls + " full syncs");
    assertTrue(metrics.syncs(true) >= 3);
    assertTrue(lastHas(WEB));
    String scrape = registry.scrape();
    assertTrue(scrape.contains("weft_proxy_sync_duration_seconds_count{kind=\"full\"}"), scrape);
  }

  @Test
  void failedSyncsAreRetriedWithBackoffAndCounted() {
    backend.failNext.set(4);
    store.put(service("shop", "web", "10.96.0.10", 80));
    store.put(slice("shop", "web", 8080, "10.244.1.2"));
    proxy = builder().backoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build();
    proxy.start();
    eventually("success after 4 failures", () -> backend.last() != null);
    assertEquals(4, backend.failures.size());
    // 100, 200, 400 ms between the failures, then 800 before the success
    List<Long> at = new ArrayList<>(backend.failures);
    at.add(backend.last().nanos());
    for (int i = 1; i < at.size(); i++) {
      long gap = (at.get(i) - at.get(i - 1)) / 1_000_000;
      long want = 100L << (i - 1);
      assertTrue(gap >= want - 5 && gap < want + 150, "retry " + i + " after " + gap + " ms, expected ~" + want);
    }
    assertEquals(4, metrics.syncErrors());
    assertTrue(registry.scrape().contains("weft_proxy_sync_errors_total 4.0"));
    assertTrue(lastHas(WEB, "10.244.1.2:8080"));
    assertTrue(proxy.healthy());
  }

  @Test
  void aRetryCarriesTheLatestState() {
    proxy = builder().backoff(Duration.ofMillis(300), Duration.ofSeconds(2)).build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    backend.failNext.set(1);
    store.put(service("shop", "web", "10.96.0.10", 80));
    eventually("failure", () -> backend.failures.size() == 1);
    store.put(slice("shop", "web", 8080, "10.244.1.7")); // arrives during the backoff
    eventually("retry", () -> lastHas(WEB, "10.244.1.7:8080"));
    long gap = (backend.last().nanos() - backend.failures.getFirst()) / 1_000_000;
    assertTrue(gap >= 295, "the change during backoff waited for it: " + gap + " ms");
  }

  @Test
  void aFailedResyncStaysFull() {
    proxy = builder().resyncPeriod(Duration.ofMillis(400)).build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    int syncs = backend.syncs.size();
    backend.failNext.set(1);
    eventually("failed resync then retry", () -> backend.failures.size() == 1 && backend.syncs.size() > syncs);
    assertTrue(backend.syncs.get(syncs).full(), "the retry of a resync is full too");
  }

  @Test
  void startingCleansTheOtherBackendAndClosingLeavesTheRules() {
    FakeBackend iptables = new FakeBackend("iptables");
    proxy = builder().cleanUp(iptables).build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    assertEquals(1, iptables.removeAlls.get());
    assertTrue(iptables.syncs.isEmpty());
    proxy.close();
    proxy = null;
    assertEquals(0, backend.removeAlls.get(), "stopping must not flush the rules");
    assertEquals(1, backend.closes.get());
    assertEquals(1, iptables.closes.get());
    int n = backend.syncs.size();
    store.put(service("shop", "web", "10.96.0.10", 80));
    sleep(200);
    assertEquals(n, backend.syncs.size(), "no sync after close");
  }

  @Test
  void udpEndpointsThatGoAwayAreHandedToTheConntrackCleaner() {
    List<Map<ServicePortName, List<Endpoint>>> cleared = new CopyOnWriteArrayList<>();
    List<ProxyModel[]> models = new CopyOnWriteArrayList<>();
    store.put(StoreObjects.udpService("kube-system", "dns", "10.96.0.53", 53));
    store.put(slice("kube-system", "dns", "dns-1", "dns", "UDP", 5353,
        List.of(ready("10.244.1.2", "node-1"), ready("10.244.1.3", "node-1"))));
    proxy = builder().conntrackCleanup((r, previous, current) -> {
      models.add(new ProxyModel[] {previous, current});
      if (!r.removedUdpEndpoints().isEmpty()) cleared.add(r.removedUdpEndpoints());
    }).build();
    proxy.start();
    var dns = new ServicePortName("kube-system", "dns", "dns", Protocol.UDP);
    eventually("two endpoints", () -> lastHas(dns, "10.244.1.2:5353", "10.244.1.3:5353"));
    assertTrue(cleared.isEmpty());
    store.put(slice("kube-system", "dns", "dns-1", "dns", "UDP", 5353, List.of(ready("10.244.1.3", "node-1"))));
    eventually("cleared", () -> !cleared.isEmpty());
    assertEquals(List.of("10.244.1.2:5353"), cleared.getFirst().get(dns).stream().map(e -> e.ip().getHostAddress() + ":" + e.port()).toList());
    // called after every sync with the previous and the new model (previous null the first time)
    assertEquals(null, models.getFirst()[0]);
    assertEquals(ips(models.getFirst()[1], dns), ips(models.getLast()[0], dns));
    assertEquals(List.of("10.244.1.3:5353"), ips(models.getLast()[1], dns));
  }

  @Test
  void unchangedModelsAreNotResynced() {
    store.put(service("shop", "web", "10.96.0.10", 80));
    proxy = builder().build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    int n = backend.syncs.size();
    // an annotation the proxy does not use: a watch event, but the same model
    Service s = store.get(Service.class, "shop", "web").orElseThrow();
    s.getMetadata().setAnnotations(Map.of("owner", "team-a"));
    store.put(s);
    sleep(200);
    assertEquals(n, backend.syncs.size());
  }

  @Test
  void metricsAreRegisteredUnderTheirPrometheusNames() {
    store.put(service("shop", "web", "10.96.0.10", 80));
    proxy = builder().build();
    proxy.start();
    eventually("first sync", () -> backend.last() != null);
    String s = registry.scrape();
    for (String name : List.of("weft_proxy_sync_duration_seconds_bucket{kind=\"full\",le=\"0.001\"}",
        "weft_proxy_sync_duration_seconds_bucket{kind=\"full\",le=\"16.384\"}",
        "weft_proxy_sync_duration_seconds_count{kind=\"partial\"} 0",
        "weft_proxy_rules_programmed 3.0", "weft_proxy_services 1.0", "weft_proxy_last_sync_timestamp_seconds ",
        "weft_proxy_sync_errors_total 0.0", "weft_proxy_endpoint_changes_total 0.0"))
      assertTrue(s.contains(name), name + " in\n" + s);
    double ts = registry.get("weft_proxy_last_sync_timestamp").gauge().value();
    assertTrue(Math.abs(ts - System.currentTimeMillis() / 1000.0) < 30, "timestamp " + ts);
  }

  @Test
  void startsEvenWhenTheStoreIsNotAnsweringYet() {
    ClusterStore unreachable = ClusterStores.open(StoreConfig.etcd(List.of("http://127.0.0.1:1"), "/x").withTimeout(Duration.ofMillis(300)));
    try {
      var p = ServiceProxy.builder(unreachable, backend, NODE).log(log::add).backoff(Duration.ofMillis(50), Duration.ofMillis(100)).build();
      p.start();
      sleep(400);
      assertTrue(backend.syncs.isEmpty());
      assertFalse(log.isEmpty());
      long t0 = System.nanoTime();
      p.close();
      assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "close returns promptly");
    } finally {
      unreachable.close();
    }
  }

  @Test
  void healthCheckServersFollowTheModel() throws Exception {
    var hc = new HealthCheckServer(List.of(IpPrefix.parseAddress("127.0.0.1")), () -> true, log::add);
    int port = HealthCheckServerTest.freePort();
    Service lb = new io.fabric8.kubernetes.api.model.ServiceBuilder(service("shop", "web", "10.96.0.10", 80))
        .editSpec().withType("LoadBalancer").withExternalTrafficPolicy("Local").withHealthCheckNodePort(port)
        .editFirstPort().withNodePort(30080).endPort().endSpec().build();
    store.put(lb);
    store.put(slice("shop", "web", 8080, "10.244.1.2"));
    proxy = builder().healthChecks(hc).build();
    proxy.start();
    eventually("health check open", () -> hc.ports().contains(port));
    assertEquals(200, HealthCheckServerTest.get(port).code());
    store.delete(EndpointSlice.class, "shop", "web-abc");
    eventually("no local endpoint", () -> hc.serving().get(port).localEndpoints() == 0);
    assertEquals(503, HealthCheckServerTest.get(port).code());
    store.delete(Service.class, "shop", "web");
    eventually("closed", () -> hc.ports().isEmpty());
    assertNotNull(proxy.lastModel());
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
