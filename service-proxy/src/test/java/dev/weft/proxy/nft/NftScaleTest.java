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
 * N services × 10 endpoints in a throw-away namespace: full sync, one service changed, a restarted
 * backend adopting the table, a periodic verification. 1 000 services by default (fast enough for
 * {@code make test}); {@code -Dweft.scale=10000} for the size. Prints the times (the bench
 * measures them properly); asserts only generous bounds so a loaded machine does not fail the build.
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

  static int scale() {
    return Integer.getInteger("weft.scale", Integer.getInteger("weft.scale.services", 1000));
  }

  static String load() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  @Test
  void manyServices() {
    int n = scale();
    try (TestNetns ns = new TestNetns()) {
      String node = ns.create("scale");
      NftProxyBackend b = new NftProxyBackend(TestNetns.path(node));
      ProxyModel m = model(n, 10, -1);
      long t0 = System.nanoTime();
      NftRules.Plan p = NftRules.full(m, ServiceTopology.NODE_CONTEXT);
      long render = System.nanoTime() - t0;
      SyncResult full = b.sync(m, ServiceTopology.NODE_CONTEXT);
      System.out.printf("full sync of %d services x 10: %d ms (render %d ms, script %.1f MB, %d rules+elements) [load %s]%n", n,
          full.duration().toMillis(), render / 1_000_000, p.script().text().length() / 1e6, full.rulesWritten(), load());
      ProxyModel m2 = model(n, 10, n / 2);
      List<Long> times = new ArrayList<>();
      SyncResult one = null;
      for (int i = 0; i < 10; i++) {
        one = b.sync(i % 2 == 0 ? m2 : m, ServiceTopology.NODE_CONTEXT);
        assertFalse(one.full(), "update " + i + " was refused: " + b.lastScript());
        times.add(one.duration().toMillis());
      }
      System.out.printf("one-service updates: %s ms (%d rules+elements) [load %s]%n", times, one.rulesWritten(), load());
      NftRules.State st = NftRules.full(m, ServiceTopology.NODE_CONTEXT).next();
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 30; i++) {
        long p0 = System.nanoTime();
        NftRules.update(st, m2, ServiceTopology.NODE_CONTEXT);
        best = Math.min(best, System.nanoTime() - p0);
      }
      System.out.printf("of which planning (best of 30): %.1f ms%n", best / 1e6);
      long a0 = System.nanoTime();
      for (int i = 0; i < 5; i++)
        Sh.exec(null, "add element ip weft_proxy hairpin-endpoints { 1.1.1.1 . 1.1.1.1 }\ndelete element ip weft_proxy hairpin-endpoints { 1.1.1.1 . 1.1.1.1 }\n".getBytes(),
            List.of("nsenter", "--net=" + TestNetns.path(node), "nft", "-f", "-"));
      System.out.printf("an nft transaction touching one element, from Java: %.1f ms [load %s]%n", (System.nanoTime() - a0) / 5e6, load());
      // a restarted backend finds the table right and writes nothing
      NftProxyBackend restarted = new NftProxyBackend(TestNetns.path(node));
      SyncResult adopt = restarted.sync(m, ServiceTopology.NODE_CONTEXT);
      assertEquals(0, adopt.rulesWritten(), restarted.lastScript());
      assertEquals("", restarted.lastScript());
      // the periodic resync verifies and writes nothing
      restarted.invalidate();
      SyncResult verified = restarted.sync(m, ServiceTopology.NODE_CONTEXT);
      assertEquals(0, verified.rulesWritten());
      assertFalse(verified.full());
      System.out.printf("restart: adopted in %d ms; periodic verification %d ms; nothing written [load %s]%n", adopt.duration().toMillis(),
          verified.duration().toMillis(), load());
      assertFalse(restarted.sync(m2, ServiceTopology.NODE_CONTEXT).full(), "incremental after adopting: " + restarted.lastScript());
      String chains = Sh.run("ip", "netns", "exec", node, "nft", "list", "chains");
      assertTrue(chains.contains("chain bal-10 ") && chains.contains("chain bal-11 ") && chains.contains("chain np-10 "), chains);
      assertFalse(chains.contains("svc-"), "no per-service chain for common services");
      // nft alone on the full script (the table written anew): wall, user and system CPU seconds
      Sh.Result timed = Sh.exec(null, p.script().text().getBytes(), List.of("/usr/bin/time", "-f", "%e s wall, %U s user, %S s sys", "nsenter", "--net=" + TestNetns.path(node), "nft", "-f", "-"));
      System.out.printf("nft -f of the full script alone: %s [load %s]%n", timed.err().strip(), load());
      assertTrue(full.full());
      assertEquals(1, one.servicesWritten());
      assertTrue(full.duration().toMillis() < 60_000 && times.stream().allMatch(t -> t < 5_000), "generous bounds: " + full.duration() + " " + times);
    }
  }
}
