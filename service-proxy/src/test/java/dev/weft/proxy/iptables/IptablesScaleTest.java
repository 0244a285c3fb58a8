package dev.weft.proxy.iptables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Sync times at scale in a throw-away namespace: N services × 10 endpoints (the bench's shape).
 * 1 000 runs with the other tests; 10 000 (or {@code -Dweft.scale.n}) only with {@code -Dweft.scale=true}:
 * iptables-nft is quadratic in chains per transaction, minutes at 10 000. Prints one line per step for the record.
 */
@RootTest
class IptablesScaleTest {
  static final NodeContext NODE = new NodeContext("node-1", List.of(IpPrefix.parseAddress("192.168.50.1")),
      IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));

  @Test
  void thousandServices() {
    run(1_000);
  }

  @Test
  @EnabledIfSystemProperty(named = "weft.scale", matches = "true")
  void manyServices() {
    run(Integer.getInteger("weft.scale.n", 10_000));
  }

  /** n services of one TCP port, 10 endpoints each, every third with a NodePort. */
  static ProxyModel model(int n, int changed) {
    Map<ServicePortName, ServicePort> services = new TreeMap<>();
    Map<ServicePortName, List<Endpoint>> endpoints = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      ServicePortName id = new ServicePortName("ns" + (i % 50), "svc-" + i, "http", Protocol.TCP);
      InetAddress vip = addr(10, 96 + (i >> 16), (i >> 8) & 255, i & 255);
      services.put(id, new ServicePort(id, List.of(vip), 80, i % 3 == 0 ? 30000 + (i % 2700) : 0, List.of(), List.of(),
          TrafficPolicy.CLUSTER, TrafficPolicy.CLUSTER, null, 0));
      List<Endpoint> eps = new ArrayList<>();
      for (int e = 0; e < 10; e++) {
        int host = i * 10 + e + (i == changed ? 7 : 0);
        eps.add(new Endpoint(addr(10, 244 + (host >> 16) % 8, (host >> 8) & 255, host & 255), 8080, e % 2 == 0 ? "node-1" : "node-2", true, true, false));
      }
      endpoints.put(id, eps);
    }
    return ProxyModel.of(services, endpoints);
  }

  static InetAddress addr(int a, int b, int c, int d) {
    return IpPrefix.fromBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
  }

  void run(int n) {
    try (TestNetns netns = new TestNetns()) {
      String ns = netns.create("scale");
      IptablesProxyBackend backend = new IptablesProxyBackend(TestNetns.path(ns));
      ProxyModel m = model(n, -1);
      long r0 = System.nanoTime();
      IptablesRuleset.Plan plan = IptablesRuleset.full(m, NODE, KernelView.EMPTY, false);
      long renderMs = (System.nanoTime() - r0) / 1_000_000;

      SyncResult full = backend.sync(m, NODE);
      assertTrue(full.full());
      SyncResult one = backend.sync(model(n, n / 2), NODE);
      assertFalse(one.full());
      assertEquals(1, one.servicesWritten());
      SyncResult idle = backend.sync(model(n, n / 2), NODE);
      backend.invalidate();
      SyncResult resync = backend.sync(model(n, n / 2), NODE);
      assertTrue(resync.full());
      long s0 = System.nanoTime();
      String save = Sh.run("ip", "netns", "exec", ns, "iptables-save", "-t", "nat");
      long saveMs = (System.nanoTime() - s0) / 1_000_000;
      System.out.printf("iptables scale: %d services x 10 endpoints: %d rules, %d KiB restore input; render %d ms; "
              + "full sync (empty kernel) %d ms; one-service update %d ms; idle partial %d ms; full resync over itself %d ms; iptables-save -t nat %d ms%n",
          n, full.rulesWritten(), plan.restore().length() / 1024, renderMs, full.duration().toMillis(), one.duration().toMillis(),
          idle.duration().toMillis(), resync.duration().toMillis(), saveMs);
      assertTrue(save.lines().filter(l -> l.startsWith("-A WEFT-SEP-")).count() == 2L * 10 * n, "every endpoint has its SEP chain");
      backend.removeAll();
    }
  }
}
