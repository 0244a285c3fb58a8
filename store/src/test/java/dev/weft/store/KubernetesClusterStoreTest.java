package dev.weft.store;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes implementation against fabric8's mock API server in CRUD mode: no kube-apiserver is installable here
 * (Debian ships only kubectl), so this checks the mapping onto the API, not a real server's behaviour.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesClusterStoreTest {
    static KubernetesClient client;

    private KubernetesClusterStore store() { return new KubernetesClusterStore(client, "weft-system"); }

    @Test
    void crudWithResourceVersionsAndStatusExceptions() {
        var store = store();
        Node created = store.create(EtcdClusterStoreTest.node("k1"));
        assertNotNull(created.getMetadata().getResourceVersion());
        assertThrows(AlreadyExistsException.class, () -> store.create(EtcdClusterStoreTest.node("k1")));
        Node read = store.get(Node.class, null, "k1").orElseThrow();
        read.getSpec().setPodCIDR("10.244.5.0/24");
        Node updated = store.update(read);
        assertEquals("10.244.5.0/24", store.get(Node.class, null, "k1").orElseThrow().getSpec().getPodCIDR());
        assertNotEquals(read.getMetadata().getResourceVersion(), updated.getMetadata().getResourceVersion());
        assertThrows(ConflictException.class, () -> store.update(read));
        assertEquals("10.244.1.0/24", store.put(EtcdClusterStoreTest.node("k1")).getSpec().getPodCIDR());
        store.create(EtcdClusterStoreTest.pod("a", "p1"));
        store.create(EtcdClusterStoreTest.pod("b", "p2"));
        assertEquals(1, store.list(Pod.class, "a").size());
        assertEquals(2, store.list(Pod.class, null).size());
        assertTrue(store.delete(Node.class, null, "k1"));
        assertFalse(store.delete(Node.class, null, "k1"));
        assertTrue(store.get(Node.class, null, "k1").isEmpty());
    }

    @Test
    void informerWatchListsThenFollows() {
        var store = store();
        store.create(EtcdClusterStoreTest.node("w1"));
        var handler = new RecordingHandler<Node>();
        try (Watch ignored = store.watch(Node.class, null, handler)) {
            handler.await("initial list", Duration.ofSeconds(5), h -> h.saw(WatchEvent.Type.ADDED, "w1"));
            store.create(EtcdClusterStoreTest.node("w2"));
            store.delete(Node.class, null, "w1");
            handler.await("changes", Duration.ofSeconds(5), h -> h.saw(WatchEvent.Type.DELETED, "w1") && h.saw(WatchEvent.Type.ADDED, "w2"));
            assertEquals(List.of("w2"), List.copyOf(handler.view().keySet()));
        }
        store.delete(Node.class, null, "w2");
    }

    @Test
    void anUnrenewedLeaseIsSweptWithItsObjects() {
        var store = store();
        Lease lease = store.grantLease(Duration.ofSeconds(2));
        store.createWithLease(EtcdClusterStoreTest.node("mortal"), lease);
        Lease kept = store.grantLease(Duration.ofSeconds(2));
        kept.keepAlive();
        store.createWithLease(EtcdClusterStoreTest.node("kept"), kept);
        long deadline = System.nanoTime() + 8_000_000_000L;
        while (store.get(Node.class, null, "mortal").isPresent()) {
            assertTrue(System.nanoTime() < deadline, "mortal not swept");
            Thread.onSpinWait();
        }
        assertTrue(store.get(Node.class, null, "kept").isPresent());
        kept.revoke();
        assertTrue(store.get(Node.class, null, "kept").isEmpty());
    }
}
