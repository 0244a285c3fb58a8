package dev.weft.agent.lease;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How nodes lease pod subnets: {@code clusterCidr} split into {@code /subnetLength} subnets, each held under a lease of
 * {@code ttl} that the holder renews; {@code stateFile} (may be null) remembers this node's last subnet across restarts;
 * records live as coordination.k8s.io Leases in {@code namespace}.
 */
public record SubnetLeaseConfig(Cidr clusterCidr, int subnetLength, Duration ttl, Path stateFile, String namespace) {
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    public static final String DEFAULT_NAMESPACE = "weft-system";

    public SubnetLeaseConfig {
        if (clusterCidr == null) throw new IllegalArgumentException("cluster CIDR is required");
        clusterCidr.subnets(subnetLength);
        if (ttl == null) ttl = DEFAULT_TTL;
        if (ttl.toSeconds() < 2) throw new IllegalArgumentException("lease TTL must be at least 2 s (etcd's minimum): " + ttl);
        if (namespace == null || namespace.isBlank()) namespace = DEFAULT_NAMESPACE;
    }

    /** 10.244.0.0/16 style defaults: TTL 30 s, namespace weft-system. */
    public static SubnetLeaseConfig of(String clusterCidr, int subnetLength, Path stateFile) {
        return new SubnetLeaseConfig(Cidr.parse(clusterCidr), subnetLength, DEFAULT_TTL, stateFile, DEFAULT_NAMESPACE);
    }

    public SubnetLeaseConfig withTtl(Duration t) { return new SubnetLeaseConfig(clusterCidr, subnetLength, t, stateFile, namespace); }
}
