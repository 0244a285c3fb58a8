package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Cluster state in Kubernetes shapes (Node, Service, EndpointSlice, Pod, coordination Lease, …), shaped like the
 * Kubernetes API: typed CRUD with optimistic concurrency ({@code metadata.resourceVersion}), informer-style watches
 * and liveness leases. Objects returned are fresh copies carrying the current resourceVersion. For cluster-scoped
 * kinds (Node) the namespace is ignored. Failures are {@link StoreException}s: {@link NotFoundException},
 * {@link ConflictException}, {@link AlreadyExistsException}, {@link StoreUnavailableException}.
 */
public interface ClusterStore extends AutoCloseable {
    <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name);

    /** All objects of a kind in a namespace; {@code namespace == null} means all namespaces. */
    <T extends HasMetadata> List<T> list(Class<T> kind, String namespace);

    /** Creates the object; {@link AlreadyExistsException} when one with that name exists. */
    <T extends HasMetadata> T create(T obj);

    /** Replaces the object if its resourceVersion still matches ({@link ConflictException} otherwise). */
    <T extends HasMetadata> T update(T obj);

    /** Creates or overwrites, whatever the resourceVersion. */
    <T extends HasMetadata> T put(T obj);

    /** Deletes; false when there was nothing to delete. */
    <T extends HasMetadata> boolean delete(Class<T> kind, String namespace, String name);

    /** Lists then follows changes (see {@link WatchHandler}); {@code namespace == null} watches all namespaces. */
    <T extends HasMetadata> Watch watch(Class<T> kind, String namespace, WatchHandler<T> handler);

    /** A new lease (not yet renewed: call {@link Lease#keepAlive}). */
    Lease grantLease(Duration ttl);

    /** {@link #create} bound to a lease. */
    <T extends HasMetadata> T createWithLease(T obj, Lease lease);

    /** {@link #update} bound to a lease (the object moves to that lease). */
    <T extends HasMetadata> T updateWithLease(T obj, Lease lease);

    /** {@link #put} bound to a lease. */
    <T extends HasMetadata> T putWithLease(T obj, Lease lease);

    /** Human-readable location, e.g. {@code etcd http://127.0.0.1:2379 /weft/registry}. */
    String describe();

    @Override
    void close();
}
