package dev.weft.agent.lease;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.store.EtcdClusterStore;
import dev.weft.store.LocalEtcd;
import dev.weft.store.WatchEvent;
import dev.weft.store.WatchHandler;
import io.fabric8.kubernetes.api.model.Node;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real etcd (LocalEtcd: /usr/bin/etcd on loopback, free ports, temporary data dir). */
class StoreSubnetLeasesTest {
    private static final LocalEtcd ETCD = new LocalEtcd();
    private static final AtomicInteger PREFIXES = new AtomicInteger();
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);

    @TempDir Path stateDir;
    private String prefix;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll static void startEtcd() { ETCD.start(); }

    @AfterAll static void stopEtcd() { ETCD.stop(); }

    @BeforeEach void prefix() { prefix = "/lease-test-" + PREFIXES.incrementAndGet(); }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : opened.reversed()) c.close();
    }

    private EtcdClusterStore store() {
        var store = EtcdClusterStore.connect(ETCD.endpoints(), prefix, Duration.ofSeconds(5));
        opened.add(store);
        return store;
    }

    private StoreSubnetLeases leases(String cluster, Duration ttl, Path stateFile) {
        var leases = new StoreSubnetLeases(store(), new SubnetLeaseConfig(Cidr.parse(cluster), 24, ttl, stateFile, null));
        opened.add(leases);
        return leases;
    }

    private static NodeIdentity identity(int n) {
        return new NodeIdentity("192.168.100." + n, String.format("02:42:c0:a8:64:%02x", n));
    }

    @Test
    void acquirePublishesTheLeaseTheNodeAndTheStateFile() throws Exception {
        Path state = stateDir.resolve("subnet.json");
        var leases = leases("10.244.0.0/16", SubnetLeaseConfig.DEFAULT_TTL, state);
        SubnetLease mine = leases.acquire("n1", identity(1));
        assertTrue(Cidr.parse("10.244.0.0/16").contains(mine.subnet()));
        assertEquals(24, mine.subnet().prefixLength());
        assertEquals(List.of(mine), leases.all());

        String record = etcdctl("get", prefix + "/leases/weft-system/" + mine.subnet().objectName(), "--print-value-only");
        assertTrue(record.contains("\"kind\":\"Lease\"") && record.contains("\"apiVersion\":\"coordination.k8s.io/v1\""), record);
        assertTrue(record.contains("\"holderIdentity\":\"n1\"") && record.contains("\"weft.dev/vtep-mac\":\"02:42:c0:a8:64:01\""), record);
        String lease = etcdctl("get", prefix + "/leases/weft-system/" + mine.subnet().objectName(), "-w", "json");
        assertFalse(lease.contains("\"lease\":0") || !lease.contains("\"lease\":"), "record bound to an etcd lease: " + lease);

        Node node = store().get(Node.class, null, "n1").orElseThrow();
        assertEquals(mine.subnet().toString(), node.getSpec().getPodCIDR());
        assertEquals(List.of(mine.subnet().toString()), node.getSpec().getPodCIDRs());
        assertEquals("192.168.100.1", node.getMetadata().getAnnotations().get("weft.dev/underlay-ip"));
        assertEquals("02:42:c0:a8:64:01", node.getMetadata().getAnnotations().get("weft.dev/vtep-mac"));
        assertTrue(Files.readString(state).contains(mine.subnet().toString()));
    }

    @Test
    void restartWithinTheTtlKeepsTheSameRecord() {
        var first = leases("10.244.0.0/16", Duration.ofSeconds(10), null);
        SubnetLease before = first.acquire("n1", identity(1));
        first.close();  // a crash: no release, no revoke
        var again = leases("10.244.0.0/16", Duration.ofSeconds(10), null);
        SubnetLease after = again.acquire("n1", identity(1));
        assertEquals(before.subnet(), after.subnet());
        assertEquals(1, again.all().size(), "taken over, not a second record");
    }

    @Test
    void afterTheTtlTheStateFileOrTheNodeObjectGetsTheSubnetBack() throws Exception {
        Path state = stateDir.resolve("subnet.json");
        var first = leases("10.244.0.0/16", SHORT_TTL, state);
        Cidr held = first.acquire("n1", identity(1)).subnet();
        first.close();
        awaitEmpty(first);
        assertEquals(held, leases("10.244.0.0/16", SHORT_TTL, state).acquire("n1", identity(1)).subnet(), "from the state file");

        opened.getLast().close();
        awaitEmpty(first);
        assertEquals(held, leases("10.244.0.0/16", SHORT_TTL, null).acquire("n1", identity(1)).subnet(), "from Node spec.podCIDR");
    }

    @Test
    void aRememberedSubnetTakenByAnotherNodeMeansANewOne() throws Exception {
        Path state = stateDir.resolve("subnet.json");
        var first = leases("10.244.0.0/16", SHORT_TTL, state);
        Cidr held = first.acquire("n1", identity(1)).subnet();
        first.close();
        awaitEmpty(first);
        // n2 remembers n1's subnet (say, a copied state dir): it gets it, n1 must move
        Files.writeString(stateDir.resolve("n2.json"), "{\"node\":\"n2\",\"subnet\":\"" + held + "\"}");
        assertEquals(held, leases("10.244.0.0/16", SHORT_TTL, stateDir.resolve("n2.json")).acquire("n2", identity(2)).subnet());
        assertNotEquals(held, leases("10.244.0.0/16", SHORT_TTL, state).acquire("n1", identity(1)).subnet());
    }

    @Test
    void aNodeGonePastTheTtlFreesItsSubnetAndPeersSeeIt() {
        var observer = leases("10.244.0.0/16", SHORT_TTL, null);
        var events = new CopyOnWriteArrayList<WatchEvent<SubnetLease>>();
        opened.add(observer.watch(events::add));
        var gone = leases("10.244.0.0/16", SHORT_TTL, null);
        SubnetLease lease = gone.acquire("n9", identity(9));
        gone.close();
        long start = System.nanoTime();
        await("DELETED", Duration.ofSeconds(6), () -> events.stream().anyMatch(e -> e.type() == WatchEvent.Type.DELETED));
        assertEquals(List.of(WatchEvent.Type.ADDED, WatchEvent.Type.DELETED), events.stream().map(WatchEvent::type).toList());
        assertEquals(lease, events.getLast().object());
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
        assertTrue(observer.all().isEmpty());
    }

    @Test
    void aWatcherSeesANewNodeWithinOneSecond() {
        var observer = leases("10.244.0.0/16", SubnetLeaseConfig.DEFAULT_TTL, null);
        var seen = new CompletableFuture<SubnetLease>();
        var synced = new CountDownLatch(1);
        opened.add(observer.watch(new WatchHandler<>() {
            @Override public void onEvent(WatchEvent<SubnetLease> e) { if (e.type() == WatchEvent.Type.ADDED) seen.complete(e.object()); }
            @Override public void onSynced() { synced.countDown(); }
        }));
        assertEquals(0, synced.getCount());
        var joining = leases("10.244.0.0/16", SubnetLeaseConfig.DEFAULT_TTL, null);
        long start = System.nanoTime();
        SubnetLease lease = joining.acquire("n2", identity(2));
        SubnetLease observed = seen.orTimeout(1, TimeUnit.SECONDS).join();
        assertEquals(lease, observed);
        assertTrue(System.nanoTime() - start < 1_000_000_000L);
    }

    @Test
    void releaseFreesTheSubnetAtOnce() {
        var leaving = leases("10.244.0.0/24", SubnetLeaseConfig.DEFAULT_TTL, null);
        leases("10.244.0.0/24", SubnetLeaseConfig.DEFAULT_TTL, null);  // not used: ensures several stores coexist
        var cluster = Cidr.parse("10.244.0.0/24");
        assertEquals(cluster, leaving.acquire("n1", identity(1)).subnet());
        var other = leases("10.244.0.0/24", SubnetLeaseConfig.DEFAULT_TTL, null);
        assertThrows(SubnetExhaustedException.class, () -> other.acquire("n2", identity(2)));
        leaving.release();
        assertEquals(cluster, other.acquire("n2", identity(2)).subnet());
    }

    @Test
    void aLostLeaseIsReacquiredWithTheSameSubnet() throws Exception {
        var leases = leases("10.244.0.0/16", SHORT_TTL, stateDir.resolve("subnet.json"));
        SubnetLease held = leases.acquire("n1", identity(1));
        var reacquired = new CompletableFuture<SubnetLease>();
        leases.onReacquired(reacquired::complete);
        String leaseId = etcdctl("get", prefix + "/leases/weft-system/" + held.subnet().objectName(), "-w", "fields")
                .lines().filter(l -> l.startsWith("\"Lease\"")).findFirst().orElseThrow().replaceAll("\\D", "");
        etcdctl("lease", "revoke", Long.toHexString(Long.parseLong(leaseId)));
        assertEquals(held, reacquired.orTimeout(5, TimeUnit.SECONDS).join());
        assertEquals(List.of(held), leases.all());
    }

    @Test
    void concurrentStartsNeverShareASubnetAndTheOneTooManyGetsAClearError() throws Exception {
        int room = 16;  // 10.244.0.0/20 holds sixteen /24s
        int nodes = room + 1;
        var ready = new CountDownLatch(nodes);
        var go = new CountDownLatch(1);
        var subnets = ConcurrentHashMap.<Cidr>newKeySet();
        var errors = new CopyOnWriteArrayList<Throwable>();
        List<StoreSubnetLeases> all = new ArrayList<>();
        for (int i = 0; i < nodes; i++) all.add(leases("10.244.0.0/20", SubnetLeaseConfig.DEFAULT_TTL, null));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            var leases = all.get(i);
            int n = i + 1;
            threads.add(Thread.ofPlatform().start(() -> {
                ready.countDown();
                try {
                    go.await();
                    Cidr got = leases.acquire("node-" + n, identity(n)).subnet();
                    if (!subnets.add(got)) errors.add(new AssertionError("subnet handed out twice: " + got));
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        ready.await();
        go.countDown();
        for (Thread t : threads) t.join(30_000);
        assertEquals(room, subnets.size(), "errors: " + errors);
        assertEquals(Set.copyOf(Cidr.parse("10.244.0.0/20").subnets(24)), new HashSet<>(subnets));
        assertEquals(1, errors.size(), "errors: " + errors);
        assertInstanceOf(SubnetExhaustedException.class, errors.getFirst());
        assertEquals("no free /24 left in 10.244.0.0/20", errors.getFirst().getMessage());
        assertEquals(room, all.getFirst().all().size());
        assertEquals(room, all.getFirst().all().stream().map(SubnetLease::nodeName).distinct().count());
    }

    private void awaitEmpty(StoreSubnetLeases leases) {
        await("expiry", Duration.ofSeconds(8), () -> {
            try (var store = EtcdClusterStore.connect(ETCD.endpoints(), prefix, Duration.ofSeconds(5))) {
                return new StoreSubnetLeases(store, new SubnetLeaseConfig(Cidr.parse("10.244.0.0/16"), 24, SHORT_TTL, null, null)).all().isEmpty();
            }
        });
    }

    private static void await(String what, Duration limit, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static String etcdctl(String... args) throws Exception {
        var command = new ArrayList<>(List.of("etcdctl", "--endpoints=" + ETCD.endpoint()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
