package dev.weft.store;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.store.testing.EtcdServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdClusterStoreTest {
    @RegisterExtension static final EtcdServer ETCD = new EtcdServer();
    private static final AtomicInteger PREFIXES = new AtomicInteger();

    private String prefix;
    private EtcdClusterStore store;

    @BeforeEach
    void open() {
        prefix = "/weft-test-" + PREFIXES.incrementAndGet() + "/registry";
        store = EtcdClusterStore.connect(ETCD.endpoints(), prefix, Duration.ofSeconds(3));
    }

    @AfterEach
    void close() { store.close(); }

    static Node node(String name) {
        return new NodeBuilder().withNewMetadata().withName(name).addToLabels("role", "worker").endMetadata()
                .withNewSpec().withPodCIDR("10.244.1.0/24").endSpec().build();
    }

    static Pod pod(String ns, String name) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withNodeName("n1").endSpec().build();
    }

    @Test
    void createGetUpdateDeleteWithResourceVersions() {
        Node created = store.create(node("n1"));
        assertNotNull(created.getMetadata().getResourceVersion());
        assertNotNull(created.getMetadata().getUid());
        Node read = store.get(Node.class, null, "n1").orElseThrow();
        assertEquals(created.getMetadata().getResourceVersion(), read.getMetadata().getResourceVersion());
        assertEquals("10.244.1.0/24", read.getSpec().getPodCIDR());

        read.getSpec().setPodCIDR("10.244.2.0/24");
        Node updated = store.update(read);
        assertTrue(Long.parseLong(updated.getMetadata().getResourceVersion()) > Long.parseLong(read.getMetadata().getResourceVersion()));
        assertEquals("10.244.2.0/24", store.get(Node.class, null, "n1").orElseThrow().getSpec().getPodCIDR());

        ConflictException stale = assertThrows(ConflictException.class, () -> store.update(read));
        assertTrue(stale.getMessage().contains("Node n1"), stale.getMessage());
        AlreadyExistsException dup = assertThrows(AlreadyExistsException.class, () -> store.create(node("n1")));
        assertEquals("Node n1 already exists", dup.getMessage());

        Node overwritten = store.put(node("n1"));
        assertEquals("10.244.1.0/24", overwritten.getSpec().getPodCIDR());
        assertTrue(store.delete(Node.class, null, "n1"));
        assertFalse(store.delete(Node.class, null, "n1"));
        assertTrue(store.get(Node.class, null, "n1").isEmpty());
        Node gone = node("n1");
        gone.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        assertThrows(NotFoundException.class, () -> store.update(gone));
    }

    @Test
    void namespacedKindsListPerNamespaceOrAll() {
        store.create(pod("a", "p1"));
        store.create(pod("a", "p2"));
        store.create(pod("b", "p1"));
        store.create(new EndpointSliceBuilder().withNewMetadata().withNamespace("a").withName("svc-x").endMetadata()
                .withAddressType("IPv4").build());
        assertEquals(List.of("p1", "p2"), store.list(Pod.class, "a").stream().map(p -> p.getMetadata().getName()).sorted().toList());
        assertEquals(3, store.list(Pod.class, null).size());
        assertEquals(1, store.list(EndpointSlice.class, null).size());
        assertEquals("b", store.get(Pod.class, "b", "p1").orElseThrow().getMetadata().getNamespace());
        assertThrows(IllegalArgumentException.class, () -> store.get(Pod.class, null, "p1"));
    }

    @Test
    void etcdctlSeesKubernetesJsonUnderKubeApiserverKeys() throws Exception {
        store.create(node("n1"));
        store.create(pod("default", "web"));
        String keys = etcdctl("get", prefix + "/", "--prefix", "--keys-only");
        assertTrue(keys.contains(prefix + "/nodes/n1"), keys);
        assertTrue(keys.contains(prefix + "/pods/default/web"), keys);
        String node = etcdctl("get", prefix + "/nodes/n1", "--print-value-only");
        assertTrue(node.contains("\"kind\":\"Node\"") && node.contains("\"apiVersion\":\"v1\""), node);
        assertTrue(node.contains("\"podCIDR\":\"10.244.1.0/24\""), node);
        assertFalse(node.contains("resourceVersion"), node);
    }

    @Test
    void watchListsThenFollowsChangesFromAnotherClient() throws Exception {
        store.create(node("n1"));
        var handler = new RecordingHandler<Node>();
        try (Watch ignored = store.watch(Node.class, null, handler);
             EtcdClusterStore other = EtcdClusterStore.connect(ETCD.endpoints(), prefix, Duration.ofSeconds(3))) {
            assertEquals(List.of("ADDED n1"), handler.summary());
            assertEquals(1, handler.synced);
            other.create(node("n2"));
            Node n1 = other.get(Node.class, null, "n1").orElseThrow();
            n1.getSpec().setPodCIDR("10.244.9.0/24");
            other.update(n1);
            other.delete(Node.class, null, "n2");
            handler.await("3 changes", Duration.ofSeconds(2), h -> h.events.size() == 4);
            assertEquals(List.of("ADDED n1", "ADDED n2", "MODIFIED n1", "DELETED n2"), handler.summary());
            assertEquals("10.244.9.0/24", handler.view().get("n1").getSpec().getPodCIDR());
            other.create(pod("a", "p"));  // another kind: not seen
        }
        int before = handler.events.size();
        store.create(node("n3"));
        Thread.sleep(300);
        assertEquals(before, handler.events.size(), "closed watch delivers nothing");
    }

    @Test
    void watchResumesAfterEtcdRestart() {
        store.create(node("n1"));
        var handler = new RecordingHandler<Node>();
        try (Watch ignored = store.watch(Node.class, null, handler)) {
            ETCD.restart();
            store.create(node("n2"));
            handler.await("n2 after restart", Duration.ofSeconds(10), h -> h.saw(WatchEvent.Type.ADDED, "n2"));
            assertEquals(List.of("n1", "n2"), List.copyOf(handler.view().keySet()));
            assertEquals(1, handler.events.stream().filter(e -> e.object().getMetadata().getName().equals("n1")).count());
        }
    }

    /**
     * After a multi-second outage gRPC's reconnect backoff has grown past a second; the watch must not wait it out:
     * a change written as soon as etcd answers again reaches the handler within a second.
     */
    @Test
    void watchFollowsChangesWithinASecondOfALongOutage() {
        store.create(node("n1"));
        var handler = new RecordingHandler<Node>();
        try (Watch ignored = store.watch(Node.class, null, handler)) {
            ETCD.kill();
            // the port held by a listener that never answers (connections hang), then released
            var endpoint = java.net.URI.create(ETCD.endpoint());
            try (var hold = new java.net.ServerSocket()) {
                hold.setReuseAddress(true);
                hold.bind(new java.net.InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 1);
                sleep(3_500);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            sleep(4_500); // refused connections: the channel's backoff keeps growing (1 s, 1.6 s, 2.6 s, ...)
            ETCD.relaunch();
            try (var probe = EtcdClusterStore.connect(ETCD.endpoints(), prefix, Duration.ofSeconds(3))) {
                probe.create(node("n2"));
            }
            long written = System.nanoTime();
            handler.await("n2 after the outage", Duration.ofSeconds(10), h -> h.saw(WatchEvent.Type.ADDED, "n2"));
            long millis = (System.nanoTime() - written) / 1_000_000;
            assertTrue(millis <= 1_000, "the watch delivered a change " + millis + " ms after it was written");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void watchRelistsAfterCompactionWhileDisconnected() throws Exception {
        try (var proxy = dev.weft.store.testing.TcpProxy.to(ETCD.endpoint());
             var cutOff = EtcdClusterStore.connect(List.of(proxy.endpoint()), prefix, Duration.ofSeconds(3))) {
            store.create(node("keep"));
            store.create(node("change"));
            store.create(node("remove"));
            var handler = new RecordingHandler<Node>();
            try (Watch ignored = cutOff.watch(Node.class, null, handler)) {
                assertEquals(3, handler.events.size());
                proxy.cut();
                Node change = store.get(Node.class, null, "change").orElseThrow();
                change.getSpec().setPodCIDR("10.244.7.0/24");
                store.update(change);
                store.delete(Node.class, null, "remove");
                Node added = store.create(node("added"));
                compact(Long.parseLong(added.getMetadata().getResourceVersion()));
                proxy.reconnect();
                handler.await("relist", Duration.ofSeconds(10), h -> h.view().keySet().equals(java.util.Set.of("keep", "change", "added")));
                handler.await("change", Duration.ofSeconds(2), h -> "10.244.7.0/24".equals(h.view().get("change").getSpec().getPodCIDR()));
                assertTrue(handler.synced >= 2, "re-listed: " + handler.synced);
                assertEquals(1, handler.events.stream().filter(e -> e.object().getMetadata().getName().equals("keep")).count(),
                        "unchanged object not re-delivered: " + handler.summary());
                store.delete(Node.class, null, "keep");
                handler.await("watching again", Duration.ofSeconds(2), h -> h.saw(WatchEvent.Type.DELETED, "keep"));
            }
        }
    }

    @Test
    void leasedObjectDisappearsWhenTheLeaseExpires() {
        var handler = new RecordingHandler<Node>();
        try (Watch ignored = store.watch(Node.class, null, handler)) {
            Lease lease = store.grantLease(Duration.ofSeconds(2));
            store.createWithLease(node("mortal"), lease);
            Lease renewed = store.grantLease(Duration.ofSeconds(2));
            renewed.keepAlive();
            store.putWithLease(node("renewed"), renewed);
            handler.await("expiry", Duration.ofSeconds(6), h -> h.saw(WatchEvent.Type.DELETED, "mortal"));
            assertTrue(store.get(Node.class, null, "mortal").isEmpty());
            assertThrows(LeaseExpiredException.class, () -> store.putWithLease(node("late"), lease));
            assertTrue(store.get(Node.class, null, "renewed").isPresent(), "kept alive past its TTL");
            renewed.revoke();
            handler.await("revoke", Duration.ofSeconds(2), h -> h.saw(WatchEvent.Type.DELETED, "renewed"));
        }
    }

    @Test
    void keepAliveReportsExpiryOfARevokedLease() {
        Lease lease = store.grantLease(Duration.ofSeconds(2));
        var expired = new java.util.concurrent.CompletableFuture<LeaseExpiredException>();
        lease.keepAlive(new LeaseObserver() {
            @Override public void renewalFailed(StoreException cause) { }
            @Override public void expired(LeaseExpiredException cause) { expired.complete(cause); }
        });
        try (var client = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            client.getLeaseClient().revoke(lease.id()).join();
        }
        assertTrue(expired.orTimeout(3, java.util.concurrent.TimeUnit.SECONDS).join().getMessage().contains("expired or was revoked"));
    }

    @Test
    void unreachableEtcdIsAStoreUnavailableExceptionWithinTheTimeout() {
        try (var down = EtcdClusterStore.connect(List.of("http://127.0.0.1:1"), prefix, Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            var e = assertThrows(StoreUnavailableException.class, () -> down.get(Node.class, null, "n1"));
            assertTrue(e.getMessage().startsWith("etcd at http://127.0.0.1:1"), e.getMessage());
            assertTrue(System.nanoTime() - start < 3_000_000_000L);
            assertThrows(StoreUnavailableException.class, () -> down.watch(Node.class, null, new RecordingHandler<>()));
        }
    }

    @Test
    void factoryOpensTheConfiguredDatastore() {
        try (ClusterStore opened = ClusterStores.open(StoreConfig.etcd(ETCD.endpoints(), prefix))) {
            assertEquals("etcd " + ETCD.endpoint() + " " + prefix, opened.describe());
            opened.create(node("via-factory"));
            assertTrue(store.get(Node.class, null, "via-factory").isPresent());
        }
        assertEquals(StoreConfig.Datastore.KUBERNETES, StoreConfig.Datastore.parse("Kubernetes"));
        var e = assertThrows(IllegalArgumentException.class, () -> StoreConfig.Datastore.parse("consul"));
        assertEquals("unknown datastore 'consul' (etcd or kubernetes)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StoreConfig.etcd(List.of(), null));
    }

    private void compact(long revision) {
        try (var client = io.etcd.jetcd.Client.builder().endpoints(ETCD.endpoint()).build()) {
            client.getKVClient().compact(revision, io.etcd.jetcd.options.CompactOption.builder().withCompactPhysical(true).build()).join();
        }
    }

    static String etcdctl(String... args) throws IOException, InterruptedException {
        var command = new java.util.ArrayList<>(List.of("etcdctl", "--endpoints=" + ETCD.endpoint()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
