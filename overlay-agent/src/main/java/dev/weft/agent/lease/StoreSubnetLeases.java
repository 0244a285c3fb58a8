package dev.weft.agent.lease;

import dev.weft.store.AlreadyExistsException;
import dev.weft.store.ClusterStore;
import dev.weft.store.ConflictException;
import dev.weft.store.Lease;
import dev.weft.store.LeaseExpiredException;
import dev.weft.store.LeaseObserver;
import dev.weft.store.NotFoundException;
import dev.weft.store.StoreException;
import dev.weft.store.Watch;
import dev.weft.store.WatchEvent;
import dev.weft.store.WatchHandler;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * {@link SubnetLeases} on a {@link ClusterStore}: one coordination.k8s.io Lease object per subnet (see
 * {@link SubnetLeaseRecord}), bound to a store lease this node renews. Atomicity comes from the store: a subnet is taken
 * with create (etcd: Txn createRevision == 0), an own record taken over with update (modRevision compare), so two
 * nodes never hold the same subnet. Order of preference: the node's live record, the subnet in the state file, the
 * Node's spec.podCIDR, then a random one of the first 100 free subnets (fewer collisions when many nodes start at once).
 */
public final class StoreSubnetLeases implements SubnetLeases {
    private static final System.Logger LOG = System.getLogger(StoreSubnetLeases.class.getName());
    private static final int RANDOM_WINDOW = 100;
    private static final long MAX_RETRY_DELAY_MS = 5_000;

    private final ClusterStore store;
    private final SubnetLeaseConfig config;
    private final SubnetStateFile stateFile;
    private final NodeSubnetAnnotations nodes;
    private final List<Consumer<SubnetLease>> listeners = new CopyOnWriteArrayList<>();
    private String nodeName;
    private NodeIdentity identity;
    private Lease lease;
    private SubnetLease held;
    private volatile boolean closed;

    public StoreSubnetLeases(ClusterStore store, SubnetLeaseConfig config) {
        this.store = store;
        this.config = config;
        this.stateFile = new SubnetStateFile(config.stateFile());
        this.nodes = new NodeSubnetAnnotations(store);
    }

    @Override
    public synchronized SubnetLease acquire(String nodeName, NodeIdentity identity) {
        if (held != null) throw new IllegalStateException(this.nodeName + " already holds " + held.subnet());
        if (nodeName == null || nodeName.isBlank()) throw new IllegalArgumentException("node name is required");
        this.nodeName = nodeName;
        this.identity = identity;
        held = take();
        LOG.log(Level.INFO, nodeName + " holds " + held.subnet() + " (lease ttl " + config.ttl().toSeconds() + " s)");
        return held;
    }

    @Override
    public synchronized Optional<SubnetLease> current() { return Optional.ofNullable(held); }

    @Override
    public void onReacquired(Consumer<SubnetLease> listener) { listeners.add(listener); }

    @Override
    public synchronized void release() {
        if (held == null) return;
        lease.close();
        store.get(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class, config.namespace(), held.subnet().objectName())
                .filter(o -> nodeName.equals(o.getSpec().getHolderIdentity()))
                .ifPresent(o -> store.delete(o.getClass(), config.namespace(), o.getMetadata().getName()));
        lease.revoke();
        LOG.log(Level.INFO, nodeName + " released " + held.subnet());
        held = null;
        lease = null;
    }

    @Override
    public List<SubnetLease> all() {
        List<SubnetLease> out = new ArrayList<>();
        for (var object : records()) SubnetLeaseRecord.fromObject(object).filter(this::inCluster).ifPresent(out::add);
        return out;
    }

    @Override
    public Watch watch(WatchHandler<SubnetLease> handler) {
        return store.watch(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class, config.namespace(), new WatchHandler<>() {
            @Override public void onEvent(WatchEvent<io.fabric8.kubernetes.api.model.coordination.v1.Lease> event) {
                SubnetLeaseRecord.fromObject(event.object()).filter(StoreSubnetLeases.this::inCluster)
                        .ifPresent(l -> handler.onEvent(new WatchEvent<>(event.type(), l)));
            }
            @Override public void onSynced() { handler.onSynced(); }
            @Override public void onInterrupted(StoreException cause) { handler.onInterrupted(cause); }
        });
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (lease != null) lease.close();
    }

    /** Grants a store lease, binds a subnet record to it, remembers and publishes the subnet, starts renewing. */
    private SubnetLease take() {
        Lease granted = store.grantLease(config.ttl());
        try {
            SubnetLease taken = allocate(granted);
            stateFile.write(nodeName, taken.subnet());
            nodes.publish(taken);
            lease = granted;
            granted.keepAlive(new Renewal());
            return taken;
        } catch (RuntimeException e) {
            revokeQuietly(granted);
            throw e;
        }
    }

    private SubnetLease allocate(Lease granted) {
        List<Cidr> subnets = config.clusterCidr().subnets(config.subnetLength());
        for (int attempt = 0; attempt <= subnets.size() + 10; attempt++) {
            List<io.fabric8.kubernetes.api.model.coordination.v1.Lease> records = records();
            Takeover takeover = takeOverOwn(records, granted, subnets);
            if (takeover.taken() != null) return takeover.taken();
            // our own record changed or expired between the list and the update: the list is stale,
            // and deciding from it would skip our own subnet as "used" (a restarted node must keep it)
            if (takeover.raced()) continue;
            Set<Cidr> used = new HashSet<>();
            for (var r : records) SubnetLeaseRecord.fromObject(r)
                    .filter(l -> !nodeName.equals(l.nodeName()))
                    .ifPresent(l -> used.add(l.subnet()));
            for (Cidr preferred : preferredSubnets()) {
                if (subnets.contains(preferred) && !used.contains(preferred)) {
                    Optional<SubnetLease> created = tryCreate(preferred, granted);
                    if (created.isPresent()) return created.get();
                }
            }
            List<Cidr> free = subnets.stream().filter(c -> !used.contains(c)).toList();
            if (free.isEmpty()) throw new SubnetExhaustedException(config.clusterCidr(), config.subnetLength());
            Optional<SubnetLease> created = tryCreate(free.get(ThreadLocalRandom.current().nextInt(Math.min(RANDOM_WINDOW, free.size()))), granted);
            if (created.isPresent()) return created.get();
        }
        throw new StoreException("no subnet taken after " + (subnets.size() + 10) + " attempts: too many nodes racing for "
                + config.clusterCidr());
    }

    /** This node's live record (restart within the TTL) moves to the new store lease; records outside the cluster CIDR go. */
    /** The outcome of trying to move our own live record to a new lease: taken, none there, or raced. */
    private record Takeover(SubnetLease taken, boolean raced) {
        static final Takeover NONE = new Takeover(null, false);
        static final Takeover RACED = new Takeover(null, true);
    }

    private Takeover takeOverOwn(List<io.fabric8.kubernetes.api.model.coordination.v1.Lease> records, Lease granted, List<Cidr> subnets) {
        for (var record : records) {
            Optional<SubnetLease> parsed = SubnetLeaseRecord.fromObject(record);
            if (parsed.isEmpty() || !nodeName.equals(parsed.get().nodeName())) continue;
            if (!subnets.contains(parsed.get().subnet())) {
                store.delete(record.getClass(), config.namespace(), record.getMetadata().getName());
                continue;
            }
            SubnetLease mine = new SubnetLease(nodeName, parsed.get().subnet(), identity);
            var updated = SubnetLeaseRecord.toObject(mine, config.namespace(), granted.ttl().toSeconds());
            updated.getMetadata().setResourceVersion(record.getMetadata().getResourceVersion());
            updated.getSpec().setAcquireTime(record.getSpec().getAcquireTime());
            try {
                store.updateWithLease(updated, granted);
                return new Takeover(mine, false);
            } catch (ConflictException | NotFoundException e) {
                return Takeover.RACED;  // changed or expired under us: the caller lists again
            }
        }
        return Takeover.NONE;
    }

    private Optional<SubnetLease> tryCreate(Cidr subnet, Lease granted) {
        SubnetLease mine = new SubnetLease(nodeName, subnet, identity);
        try {
            store.createWithLease(SubnetLeaseRecord.toObject(mine, config.namespace(), granted.ttl().toSeconds()), granted);
            return Optional.of(mine);
        } catch (AlreadyExistsException e) {
            return Optional.empty();  // another node won it
        }
    }

    /** The current subnet (re-acquire), the state file's, then the Node object's spec.podCIDR. */
    private Set<Cidr> preferredSubnets() {
        Set<Cidr> preferred = new LinkedHashSet<>();
        if (held != null) preferred.add(held.subnet());
        stateFile.read(nodeName).ifPresent(preferred::add);
        nodes.podCidr(nodeName).ifPresent(preferred::add);
        return preferred;
    }

    private List<io.fabric8.kubernetes.api.model.coordination.v1.Lease> records() {
        return store.list(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class, config.namespace());
    }

    private boolean inCluster(SubnetLease l) {
        return l.subnet().prefixLength() == config.subnetLength() && config.clusterCidr().contains(l.subnet());
    }

    /** The lease ran out (e.g. the store was unreachable longer than the TTL): take a subnet again, the same one if free. */
    private void reacquire() {
        long delay = 200;
        while (!closed) {
            SubnetLease again;
            synchronized (this) {
                if (closed || held == null) return;
                try {
                    again = take();
                    boolean moved = !again.subnet().equals(held.subnet());
                    held = again;
                    LOG.log(moved ? Level.WARNING : Level.INFO, nodeName + " re-acquired " + again.subnet() + (moved ? " (subnet changed)" : ""));
                } catch (StoreException e) {
                    LOG.log(Level.WARNING, nodeName + ": re-acquiring a subnet failed, retrying: " + e.getMessage());
                    again = null;
                }
            }
            if (again != null) {
                for (var listener : listeners) listener.accept(again);
                return;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
        }
    }

    private static void revokeQuietly(Lease lease) {
        try {
            lease.revoke();
        } catch (StoreException e) {
            LOG.log(Level.DEBUG, "revoking " + lease + ": " + e.getMessage());
        }
    }

    private final class Renewal implements LeaseObserver {
        @Override public void renewalFailed(StoreException cause) {
            LOG.log(Level.WARNING, nodeName + ": renewing the subnet lease failed (will retry): " + cause.getMessage());
        }

        @Override public void expired(LeaseExpiredException cause) {
            LOG.log(Level.WARNING, nodeName + ": subnet lease lost (" + cause.getMessage() + "), re-acquiring");
            Thread.ofVirtual().name("subnet-reacquire").start(StoreSubnetLeases.this::reacquire);
        }
    }

}
