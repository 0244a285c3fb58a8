package dev.weft.agent.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.store.ClusterStore;
import dev.weft.store.EtcdClusterStore;
import dev.weft.store.Lease;
import dev.weft.store.LocalEtcd;
import dev.weft.store.NotFoundException;
import dev.weft.store.Watch;
import dev.weft.store.WatchHandler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted node whose old record expires between the new agent's list and its takeover must
 * still get its own subnet back (it once took a random new one: the stale list showed its own
 * subnet as used, and every pod on the node lost its network). Real etcd; the wrapper only makes
 * the expiry land at the worst moment: it deletes the record just before the first takeover.
 */
class ExpiringTakeoverTest {
  private static final LocalEtcd ETCD = new LocalEtcd();

  @TempDir Path stateDir;

  @BeforeAll
  static void start() {
    ETCD.start();
  }

  @AfterAll
  static void stop() {
    ETCD.stop();
  }

  @Test
  void ownRecordExpiringDuringTakeoverKeepsTheSubnet() {
    Path state = stateDir.resolve("subnet.json");
    var config = new SubnetLeaseConfig(Cidr.parse("10.244.0.0/16"), 24, Duration.ofSeconds(30), state, null);
    var identity = new NodeIdentity("192.168.100.1", "02:42:c0:a8:64:01");
    Cidr before;
    try (var store = EtcdClusterStore.connect(ETCD.endpoints(), "/race", Duration.ofSeconds(5))) {
      var first = new StoreSubnetLeases(store, config);
      before = first.acquire("n1", identity).subnet();
      first.close(); // a SIGKILL: no release, the record stays until its lease runs out
    }
    try (var real = EtcdClusterStore.connect(ETCD.endpoints(), "/race", Duration.ofSeconds(5));
        var restarted = new StoreSubnetLeases(new ExpiresOnFirstTakeover(real), config)) {
      assertEquals(before, restarted.acquire("n1", identity).subnet(), "the restarted node keeps its subnet");
    }
  }

  /** Delegates to the real store; the first updateWithLease finds the record just expired. */
  private static final class ExpiresOnFirstTakeover implements ClusterStore {
    private final ClusterStore real;
    private final AtomicBoolean fired = new AtomicBoolean();

    ExpiresOnFirstTakeover(ClusterStore real) {
      this.real = real;
    }

    @Override
    public <T extends HasMetadata> T updateWithLease(T obj, Lease lease) {
      if (fired.compareAndSet(false, true)) {
        real.delete(obj.getClass(), obj.getMetadata().getNamespace(), obj.getMetadata().getName());
        throw new NotFoundException("expired under the takeover (injected)");
      }
      return real.updateWithLease(obj, lease);
    }

    @Override public <T extends HasMetadata> Optional<T> get(Class<T> kind, String ns, String name) { return real.get(kind, ns, name); }
    @Override public <T extends HasMetadata> List<T> list(Class<T> kind, String ns) { return real.list(kind, ns); }
    @Override public <T extends HasMetadata> T create(T obj) { return real.create(obj); }
    @Override public <T extends HasMetadata> T update(T obj) { return real.update(obj); }
    @Override public <T extends HasMetadata> T put(T obj) { return real.put(obj); }
    @Override public <T extends HasMetadata> boolean delete(Class<T> kind, String ns, String name) { return real.delete(kind, ns, name); }
    @Override public <T extends HasMetadata> Watch watch(Class<T> kind, String ns, WatchHandler<T> h) { return real.watch(kind, ns, h); }
    @Override public Lease grantLease(Duration ttl) { return real.grantLease(ttl); }
    @Override public <T extends HasMetadata> T createWithLease(T obj, Lease lease) { return real.createWithLease(obj, lease); }
    @Override public <T extends HasMetadata> T putWithLease(T obj, Lease lease) { return real.putWithLease(obj, lease); }
    @Override public String describe() { return "expiring " + real.describe(); }
    @Override public void close() {}
  }
}
