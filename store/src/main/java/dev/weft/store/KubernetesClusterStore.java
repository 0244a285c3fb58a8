package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * {@link ClusterStore} over the Kubernetes API (fabric8). Watches are shared informers; leases are coordination.k8s.io
 * Lease objects in the lease namespace (see {@link KubernetesLease}).
 */
public final class KubernetesClusterStore implements ClusterStore {
    private final KubernetesClient client;
    private final String leaseNamespace;
    private boolean sweeping;
    private final ScheduledExecutorService renewals =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("k8s-lease-renewal").factory());

    public KubernetesClusterStore(KubernetesClient client, String leaseNamespace) {
        this.client = client;
        this.leaseNamespace = leaseNamespace;
    }

    /** kubeconfig null: $KUBECONFIG, ~/.kube/config, then in-cluster service account. */
    public static KubernetesClusterStore connect(Path kubeconfig, String leaseNamespace, Duration timeout) {
        Config config;
        try {
            config = kubeconfig == null ? Config.autoConfigure(null) : Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
        }
        config.setRequestTimeout((int) timeout.toMillis());
        config.setConnectionTimeout((int) timeout.toMillis());
        return new KubernetesClusterStore(new KubernetesClientBuilder().withConfig(config).build(), leaseNamespace);
    }

    @Override
    public <T extends HasMetadata> Optional<T> get(Class<T> kind, String namespace, String name) {
        return call("get " + HasMetadata.getKind(kind) + " " + name,
                () -> Optional.ofNullable(one(kind, namespace, name).get()));
    }

    @Override
    public <T extends HasMetadata> List<T> list(Class<T> kind, String namespace) {
        return call("list " + KeyLayout.resource(kind), () -> all(kind, namespace).list().getItems());
    }

    @Override
    public <T extends HasMetadata> T create(T obj) {
        return call("create " + EtcdClusterStore.describe(obj), () -> client.resource(obj).create());
    }

    @Override
    public <T extends HasMetadata> T update(T obj) {
        if (obj.getMetadata().getResourceVersion() == null)
            throw new IllegalArgumentException("update of " + EtcdClusterStore.describe(obj) + " needs metadata.resourceVersion");
        return call("update " + EtcdClusterStore.describe(obj), () -> client.resource(obj).update());
    }

    @Override
    public <T extends HasMetadata> T put(T obj) {
        T copy = client.getKubernetesSerialization().clone(obj);
        copy.getMetadata().setResourceVersion(null);
        return call("put " + EtcdClusterStore.describe(obj), () -> client.resource(copy).createOr(NonDeletingOperation::update));
    }

    @Override
    public <T extends HasMetadata> boolean delete(Class<T> kind, String namespace, String name) {
        return call("delete " + HasMetadata.getKind(kind) + " " + name, () -> !one(kind, namespace, name).delete().isEmpty());
    }

    @Override
    public <T extends HasMetadata> Watch watch(Class<T> kind, String namespace, WatchHandler<T> handler) {
        Object serial = new Object();
        SharedIndexInformer<T> informer = call("watch " + KeyLayout.resource(kind), () -> all(kind, namespace).inform(new ResourceEventHandler<T>() {
            @Override public void onAdd(T obj) { synchronized (serial) { handler.onEvent(new WatchEvent<>(WatchEvent.Type.ADDED, obj)); } }
            @Override public void onUpdate(T old, T obj) {
                if (!obj.getMetadata().getResourceVersion().equals(old.getMetadata().getResourceVersion()))
                    synchronized (serial) { handler.onEvent(new WatchEvent<>(WatchEvent.Type.MODIFIED, obj)); }
            }
            @Override public void onDelete(T obj, boolean unknownFinalState) { synchronized (serial) { handler.onEvent(new WatchEvent<>(WatchEvent.Type.DELETED, obj)); } }
        }));
        synchronized (serial) { handler.onSynced(); }
        return informer::close;
    }

    @Override
    public Lease grantLease(Duration ttl) {
        startSweeping();
        return KubernetesLease.grant(this, client, leaseNamespace, ttl, renewals);
    }

    private synchronized void startSweeping() {
        if (sweeping) return;
        sweeping = true;
        renewals.scheduleWithFixedDelay(this::sweepExpiredLeases, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public <T extends HasMetadata> T createWithLease(T obj, Lease lease) { return create(attach(obj, lease)); }

    @Override
    public <T extends HasMetadata> T updateWithLease(T obj, Lease lease) { return update(attach(obj, lease)); }

    @Override
    public <T extends HasMetadata> T putWithLease(T obj, Lease lease) { return put(attach(obj, lease)); }

    private <T extends HasMetadata> T attach(T obj, Lease lease) {
        if (!(lease instanceof KubernetesLease k)) throw new IllegalArgumentException("not a lease of this store: " + lease);
        return k.attach(client.getKubernetesSerialization().clone(obj));
    }

    /** Deletes leases whose holders stopped renewing, and what was attached to them (any store instance may do it). */
    void sweepExpiredLeases() { KubernetesLease.sweep(this, client, leaseNamespace); }

    @Override
    public String describe() { return "kubernetes " + client.getMasterUrl(); }

    @Override
    public void close() {
        renewals.shutdownNow();
        client.close();
    }

    private <T extends HasMetadata> Resource<T> one(Class<T> kind, String namespace, String name) {
        var ops = client.resources(kind);
        return KeyLayout.namespaced(kind) ? ops.inNamespace(KeyLayout.requireNamespace(kind, namespace)).withName(name) : ops.withName(name);
    }

    private <T extends HasMetadata> FilterWatchListDeletable<T, KubernetesResourceList<T>, Resource<T>> all(Class<T> kind, String namespace) {
        var ops = client.resources(kind);
        if (!KeyLayout.namespaced(kind)) return ops;
        return namespace == null ? ops.inAnyNamespace() : ops.inNamespace(namespace);
    }

    static <R> R call(String what, Supplier<R> body) {
        try {
            return body.get();
        } catch (KubernetesClientException e) {
            String reason = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            throw switch (e.getCode()) {
                case 404 -> new NotFoundException(what + ": not found");
                case 409 -> reason != null && reason.contains("already exists")
                        ? new AlreadyExistsException(what + ": already exists") : new ConflictException(what + ": " + reason);
                case 0, 502, 503, 504 -> new StoreUnavailableException("Kubernetes API unavailable (" + what + ": " + reason + ")", e);
                default -> new StoreException(what + ": HTTP " + e.getCode() + " " + reason, e);
            };
        }
    }
}
