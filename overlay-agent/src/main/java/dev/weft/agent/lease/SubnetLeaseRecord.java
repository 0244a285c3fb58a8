package dev.weft.agent.lease;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * A subnet lease stored as a coordination.k8s.io/v1 Lease named after the subnet ({@code 10.244.3.0-24}): holder =
 * node name, duration = TTL, the overlay's data in annotations. The name makes the subnet unique: two nodes cannot
 * create the same one.
 */
final class SubnetLeaseRecord {
    static final String LABEL = "weft.dev/subnet-lease";
    static final String SUBNET = "weft.dev/subnet";
    static final String UNDERLAY_IP = "weft.dev/underlay-ip";
    static final String VTEP_MAC = "weft.dev/vtep-mac";

    private SubnetLeaseRecord() {}

    static Lease toObject(SubnetLease lease, String namespace, long ttlSeconds) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        return new LeaseBuilder()
                .withNewMetadata().withNamespace(namespace).withName(lease.subnet().objectName())
                .addToLabels(LABEL, "true")
                .addToAnnotations(Map.of(SUBNET, lease.subnet().toString(),
                        UNDERLAY_IP, lease.identity().underlayIp(), VTEP_MAC, lease.identity().vtepMac()))
                .endMetadata()
                .withNewSpec().withHolderIdentity(lease.nodeName()).withLeaseDurationSeconds((int) ttlSeconds)
                .withAcquireTime(now).withRenewTime(now).endSpec()
                .build();
    }

    /** The lease a stored object describes; empty for other Leases or malformed ones. */
    static Optional<SubnetLease> fromObject(Lease object) {
        var meta = object.getMetadata();
        if (meta.getLabels() == null || !"true".equals(meta.getLabels().get(LABEL))) return Optional.empty();
        try {
            Map<String, String> a = meta.getAnnotations();
            return Optional.of(new SubnetLease(object.getSpec().getHolderIdentity(), Cidr.fromObjectName(meta.getName()),
                    new NodeIdentity(a.get(UNDERLAY_IP), a.get(VTEP_MAC))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
