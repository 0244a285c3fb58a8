package dev.weft.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.TestNetns;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** 32 threads add and remove different attachments at once; the end state is exactly the survivors. */
@RootTest
class ConcurrencyKernelTest {
  static final int THREADS = 32;

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void parallelAddAndRemoveEndInTheExpectedSet(String backend) throws Exception {
    try (TestNetns netns = new TestNetns()) {
      String ns = netns.create("conc");
      MasqueradeRules masq = NatBackend.masquerade(backend, TestNetns.path(ns));
      HostPortRules ports = NatBackend.hostPorts(backend, TestNetns.path(ns));
      Set<AttachmentId> survivors = new HashSet<>();
      CyclicBarrier start = new CyclicBarrier(THREADS);
      List<Future<?>> done = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
        for (int i = 0; i < THREADS; i++) {
          int n = i;
          AttachmentId id = new AttachmentId(n % 4 == 0 ? "net-b" : "net-a", "ctr" + n, "eth0");
          if (n % 3 != 0) survivors.add(id);
          done.add(pool.submit(() -> {
            start.await();
            List<IpPrefix> addrs = List.of(IpPrefix.parse("10.99." + n + ".5/24"), IpPrefix.parse("fd99:" + n + "::5/64"));
            masq.add(id, addrs);
            ports.add(id, List.of(new PortMapping(20000 + n, 80, "tcp"), new PortMapping(20000 + n, 53, "udp")), addrs);
            if (n % 3 == 0) {
              masq.remove(id);
              ports.remove(id);
              masq.remove(id);
            }
            return null;
          }));
        }
        for (Future<?> f : done) f.get();
      }
      Set<AttachmentId> expected = new HashSet<>(survivors);
      Set<AttachmentId> listed = new HashSet<>(masq.list("net-a"));
      listed.addAll(masq.list("net-b"));
      assertEquals(expected, listed, "masquerade attachments");
      listed = new HashSet<>(ports.list("net-a"));
      listed.addAll(ports.list("net-b"));
      assertEquals(expected, listed, "hostPort attachments");
      for (AttachmentId id : survivors) {
        assertEquals(2, RuleObserver.count(backend, ns, id, "masq"), id + " masquerade, v4 and v6, once");
        assertEquals(4, RuleObserver.count(backend, ns, id, "hostport"), id + " hostPorts");
      }

      // every thread removes the same few survivors at once (a repeated DEL racing itself) while
      // GC retains net-b's: no error, and exactly those are gone
      List<AttachmentId> doomed = survivors.stream().filter(id -> id.network().equals("net-a")).limit(4).toList();
      CyclicBarrier again = new CyclicBarrier(THREADS);
      done.clear();
      try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
        for (int i = 0; i < THREADS; i++) {
          AttachmentId id = doomed.get(i % doomed.size());
          boolean gc = i == 0;
          done.add(pool.submit(() -> {
            again.await();
            if (gc) ports.retainOnly("net-b", Set.copyOf(ports.list("net-b")));
            masq.remove(id);
            ports.remove(id);
            return null;
          }));
        }
        for (Future<?> f : done) f.get();
      }
      expected.removeAll(doomed);
      listed = new HashSet<>(masq.list("net-a"));
      listed.addAll(masq.list("net-b"));
      assertEquals(expected, listed, "masquerade attachments after racing removes");
      listed = new HashSet<>(ports.list("net-a"));
      listed.addAll(ports.list("net-b"));
      assertEquals(expected, listed, "hostPort attachments after racing removes");
    }
  }
}
