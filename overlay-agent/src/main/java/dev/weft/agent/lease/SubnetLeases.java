package dev.weft.agent.lease;

import dev.weft.store.Watch;
import dev.weft.store.WatchHandler;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Node pod-subnet leases, the flannel model: each node holds one subnet of the cluster CIDR under a lease it renews;
 * the records are how nodes find their peers. Two nodes never hold the same subnet; a restarted node keeps its
 * subnet; a node gone past the TTL frees it.
 */
public interface SubnetLeases extends AutoCloseable {
    /**
     * Takes this node's subnet — its live record if there is one, else the subnet it held before if still free, else a
     * free one — publishes it on the Node object, and renews it in the background.
     * @throws SubnetExhaustedException when no subnet is free
     */
    SubnetLease acquire(String nodeName, NodeIdentity identity);

    /** The subnet this node holds now, if acquired. */
    Optional<SubnetLease> current();

    /** Called (on a background thread) when the lease was lost and re-acquired, possibly with another subnet. */
    void onReacquired(Consumer<SubnetLease> listener);

    /** Gives the subnet back now (record deleted, lease revoked): a node leaving for good. */
    void release();

    /** Every live lease in the cluster, this node's included. */
    List<SubnetLease> all();

    /** Peers appearing (ADDED), changing (MODIFIED: new underlay IP or VTEP MAC) and going (DELETED). */
    Watch watch(WatchHandler<SubnetLease> handler);

    /** Stops renewing without releasing: the record stays until its TTL runs out (like a crash). */
    @Override
    void close();
}
