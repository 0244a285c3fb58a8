package dev.weft.proxy.nft;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.testing.Models;
import dev.weft.proxy.testing.ServiceTopology;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * 10 000 services × 10 endpoints in a throw-away namespace: full sync, then one service changed.
 * Prints the times (the bench measures them properly); asserts only generous bounds so a loaded
 * machine does not fail the build.
 */
@RootTest
class NftScaleTest {
  static ProxyModel model(int services, int endpoints, int changedService) {
    List<Models.Svc> s = new ArrayList<>(services);
    for (int i = 0; i < services; i++) {
      Models.Svc svc = Models.tcp("ns" + (i % 50) + "/svc-" + i + ":http", "10.96." + (i / 250) + "." + (i % 250 + 1), 80);
      if (i % 10 == 0) svc.nodePort(30000 + i / 10);
      int extra = i == changedService ? 1 : 0;
      for (int e = 0; e < endpoints + extra; e++) {
        int n = i * endpoints + e;
        svc.ready("10." + (100 + n / 65536) + "." + (n / 256 % 256) + "." + (n % 256), 8080, e % 2 == 0 ? "node-1" : "node-2");
      }
      s.add(svc);
    }
    return Models.of(s);
  }

  @Test
  void tenThousandServices() {
    int n = Integer.getInteger("weft.scale.services", 10_000);
    try (TestNetns ns = new TestNetns()) {
      String node = ns.create("scale");
      NftProxyBackend b = new NftProxyBackend(TestNetns.path(node));
      ProxyModel m = model(n, 10, -1);
      long t0 = System.nanoTime();
      NftRules.Plan p = NftRules.full(m, ServiceTopology.NODE_CONTEXT);
      long render = System.nanoTime() - t0;
      SyncResult full = b.sync(m, ServiceTopology.NODE_CONTEXT);
      System.out.printf("full sync of %d services: %d ms (render %d ms, script %d MB, %d rules+elements)%n", n,
          full.duration().toMillis(), render / 1_000_000, p.script().text().length() >> 20, full.rulesWritten());
      ProxyModel m2 = model(n, 10, n / 2);
      List<Long> times = new ArrayList<>();
      SyncResult one = null;
      for (int i = 0; i < 10; i++) {
        one = b.sync(i % 2 == 0 ? m2 : m, ServiceTopology.NODE_CONTEXT);
        times.add(one.duration().toMillis());
      }
      System.out.printf("one-service updates: %s ms (%d rules+elements)%n", times, one.rulesWritten());
      NftRules.State st = NftRules.full(m, ServiceTopology.NODE_CONTEXT).next();
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 30; i++) {
        long p0 = System.nanoTime();
        NftRules.update(st, m2, ServiceTopology.NODE_CONTEXT, 42);
        best = Math.min(best, System.nanoTime() - p0);
      }
      System.out.printf("of which planning (best of 30): %.1f ms%n", best / 1e6);
      Sh.Result r = null;
      long a0 = System.nanoTime();
      for (int i = 0; i < 5; i++) r = Sh.exec(null, "add element ip weft_proxy hairpin-endpoints { 1.1.1.1 . 1.1.1.1 }\ndelete element ip weft_proxy hairpin-endpoints { 1.1.1.1 . 1.1.1.1 }\n".getBytes(), List.of("ip", "netns", "exec", node, "nft", "-f", "-"));
      System.out.printf("an nft transaction touching one element: %.1f ms (%s)%n", (System.nanoTime() - a0) / 5e6, r.err());
      assertTrue(full.full());
      assertFalse(one.full());
      assertEquals(1, one.servicesWritten());
      String chains = Sh.run("ip", "netns", "exec", node, "nft", "list", "chains");
      assertTrue(chains.contains("svc-ns" + (n / 2 % 50) + "/svc-" + n / 2 + "/http/tcp"));
    }
  }
}
