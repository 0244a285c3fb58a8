package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A liveness lease over the Kubernetes API: a coordination.k8s.io/v1 Lease object whose {@code spec.renewTime} the
 * holder bumps every ttl/3. Objects written with it carry an ownerReference to it (the API server's garbage collector
 * deletes them with the Lease) and are listed in its {@code weft.dev/attached} annotation so that a sweep — run by
 * every store's renewal thread — deletes them itself when the Lease has run out (Kubernetes has no TTL of its own).
 */
final class KubernetesLease extends RenewedLease {
    private static final System.Logger LOG = System.getLogger(KubernetesLease.class.getName());
    static final String LABEL = "weft.dev/lease";
    static final String ATTACHED = "weft.dev/attached";

    private final KubernetesClusterStore store;
    private final KubernetesClient client;
    private final io.fabric8.kubernetes.api.model.coordination.v1.Lease object;
    private final long id;

    private KubernetesLease(KubernetesClusterStore store, KubernetesClient client, ScheduledExecutorService scheduler,
                            io.fabric8.kubernetes.api.model.coordination.v1.Lease object, long id, Duration ttl) {
        super(scheduler, ttl);
        this.store = store;
        this.client = client;
        this.object = object;
        this.id = id;
    }

    static KubernetesLease grant(KubernetesClusterStore store, KubernetesClient client, String namespace, Duration ttl,
                                 ScheduledExecutorService scheduler) {
        long id = UUID.randomUUID().getMostSignificantBits() & Long.MAX_VALUE;
        var lease = new LeaseBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName("weft-" + Long.toHexString(id))
                        .addToLabels(LABEL, "true").build())
                .withNewSpec().withHolderIdentity(Long.toHexString(id)).withLeaseDurationSeconds((int) Math.max(1, ttl.toSeconds()))
                .withRenewTime(now()).endSpec().build();
        io.fabric8.kubernetes.api.model.coordination.v1.Lease created =
                KubernetesClusterStore.call("grant lease", () -> client.resource(lease).create());
        return new KubernetesLease(store, client, scheduler, created, id, ttl);
    }

    @Override public long id() { return id; }

    <T extends HasMetadata> T attach(T obj) {
        obj.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion(object.getApiVersion())
                .withKind(object.getKind()).withName(object.getMetadata().getName()).withUid(object.getMetadata().getUid()).build()));
        String ref = obj.getApiVersion() + "|" + obj.getKind() + "|" + (KeyLayout.namespaced(obj.getClass()) ? obj.getMetadata().getNamespace() : "") + "|" + obj.getMetadata().getName();
        KubernetesClusterStore.call("attach to lease", () -> client.resource(object).edit(l -> {
            if (l.getMetadata().getAnnotations() == null) l.getMetadata().setAnnotations(new HashMap<>());
            String attached = l.getMetadata().getAnnotations().get(ATTACHED);
            if (attached == null || !List.of(attached.split(",")).contains(ref))
                l.getMetadata().getAnnotations().put(ATTACHED, attached == null ? ref : attached + "," + ref);
            return l;
        }));
        return obj;
    }

    @Override
    void renew() {
        KubernetesClusterStore.call("renew lease", () -> client.resource(object).edit(l -> {
            l.getSpec().setRenewTime(now());
            return l;
        }));
    }

    @Override
    String name() { return "lease " + object.getMetadata().getName(); }

    @Override
    public void revoke() {
        close();
        var current = client.resource(object).get();
        if (current != null) deleteWithAttached(client, current);
    }

    static void sweep(KubernetesClusterStore store, KubernetesClient client, String namespace) {
        try {
            var leases = client.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class)
                    .inNamespace(namespace).withLabel(LABEL, "true").list().getItems();
            Instant now = Instant.now();
            for (var lease : leases) {
                Instant renewed = lease.getSpec().getRenewTime().toInstant();
                if (renewed.plusSeconds(lease.getSpec().getLeaseDurationSeconds()).isBefore(now)) deleteWithAttached(client, lease);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "lease sweep failed: " + e.getMessage());
        }
    }

    private static void deleteWithAttached(KubernetesClient client, io.fabric8.kubernetes.api.model.coordination.v1.Lease lease) {
        Map<String, String> annotations = lease.getMetadata().getAnnotations();
        List<String> refs = annotations == null || annotations.get(ATTACHED) == null ? List.of() : List.of(annotations.get(ATTACHED).split(","));
        for (String ref : refs) {
            String[] p = ref.split("\\|", -1);
            String json = "{\"apiVersion\":\"" + p[0] + "\",\"kind\":\"" + p[1] + "\",\"metadata\":{\"name\":\"" + p[3] + "\""
                    + (p[2].isEmpty() ? "" : ",\"namespace\":\"" + p[2] + "\"") + "}}";
            HasMetadata stub = client.getKubernetesSerialization().unmarshal(json);
            var current = client.resource(stub).get();
            if (current != null && ownedBy(current, lease)) client.resource(current).delete();
        }
        client.resource(lease).delete();
    }

    private static boolean ownedBy(HasMetadata obj, io.fabric8.kubernetes.api.model.coordination.v1.Lease lease) {
        return obj.getMetadata().getOwnerReferences().stream().anyMatch(o -> lease.getMetadata().getName().equals(o.getName()));
    }

    private static ZonedDateTime now() { return ZonedDateTime.now(ZoneOffset.UTC); }

    @Override public String toString() { return "kubernetes lease " + object.getMetadata().getName() + " (ttl " + ttl().toSeconds() + " s)"; }

}
