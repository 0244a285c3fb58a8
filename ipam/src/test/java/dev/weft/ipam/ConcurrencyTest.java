package dev.weft.ipam;

import static dev.weft.ipam.IpamFixture.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.cni.protocol.Json;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.testing.Sh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 50 ADDs at once get 50 distinct addresses; 50 DELs free them all. */
class ConcurrencyTest {
  static final int N = 50;
  static final String RANGES = "\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/64\"}]]";
  @TempDir Path tmp;

  static long reservations(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> ReservationStore.ipNamed(p.getFileName().toString()) != null).count();
    }
  }

  @Test
  void fiftyThreads() throws Exception {
    IpamFixture f = new IpamFixture(tmp, "net");
    String c = f.conf(RANGES, "");
    CountDownLatch go = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(N)) {
      List<Future<Result>> adds = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        String id = "t" + i;
        adds.add(pool.submit(() -> {
          go.await();
          return add(c, id);
        }));
      }
      go.countDown();
      Set<String> seen = new HashSet<>();
      for (Future<Result> r : adds) seen.addAll(addresses(r.get()));
      assertEquals(2 * N, seen.size());
      assertEquals(2 * N, reservations(f.netDir()));
      List<Future<?>> dels = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        String id = "t" + i;
        dels.add(pool.submit(() -> new Ipam(parse(c), null).release(id, "eth0")));
      }
      for (Future<?> d : dels) assertEquals(2, ((List<?>) d.get()).size());
    }
    assertEquals(0, reservations(f.netDir()));
  }

  @Test
  void fiftyProcesses() throws Exception {
    Path launcher = DistLauncher.require();
    IpamFixture f = new IpamFixture(tmp, "net");
    byte[] conf = f.conf(RANGES, "").getBytes(StandardCharsets.UTF_8);
    try (ExecutorService pool = Executors.newFixedThreadPool(N)) {
      List<Future<Sh.Result>> adds = new ArrayList<>();
      for (int i = 0; i < N; i++) adds.add(pool.submit(call(launcher, "ADD", "p" + i, conf)));
      Set<String> seen = new HashSet<>();
      for (Future<Sh.Result> r : adds) {
        Sh.Result res = r.get().orThrow("weft-ipam ADD");
        for (Object ip : (List<?>) ((Map<?, ?>) Json.parse(res.out())).get("ips")) seen.add(((Map<?, ?>) ip).get("address").toString());
      }
      assertEquals(2 * N, seen.size());
      List<Future<Sh.Result>> dels = new ArrayList<>();
      for (int i = 0; i < N; i++) dels.add(pool.submit(call(launcher, "DEL", "p" + i, conf)));
      for (Future<Sh.Result> d : dels) assertEquals("", d.get().orThrow("weft-ipam DEL").out());
    }
    assertEquals(0, reservations(f.netDir()));
  }

  private java.util.concurrent.Callable<Sh.Result> call(Path launcher, String cmd, String id, byte[] conf) {
    Map<String, String> env = Map.of("CNI_COMMAND", cmd, "CNI_CONTAINERID", id, "CNI_NETNS", "/run/netns/none", "CNI_IFNAME", "eth0",
        "CNI_PATH", "/usr/lib/cni", "WEFT_CNI_LOG", tmp.resolve("cni.log").toString());
    return () -> Sh.exec(env, conf, List.of(launcher.toString()));
  }
}
