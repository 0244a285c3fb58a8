package dev.weft.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Which datastore and how to reach it. {@code etcd}: endpoints + key prefix. {@code kubernetes}: a kubeconfig
 * file, or (null) the usual discovery: $KUBECONFIG, ~/.kube/config, then the in-cluster service account.
 */
public record StoreConfig(Datastore datastore, List<String> etcdEndpoints, String etcdPrefix, Path kubeconfig,
                          String leaseNamespace, Duration timeout) {
    public enum Datastore {
        ETCD, KUBERNETES;

        public static Datastore parse(String name) {
            return switch (name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "etcd" -> ETCD;
                case "kubernetes", "k8s" -> KUBERNETES;
                default -> throw new IllegalArgumentException("unknown datastore '" + name + "' (etcd or kubernetes)");
            };
        }
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final String DEFAULT_LEASE_NAMESPACE = "weft-system";

    public StoreConfig {
        if (datastore == null) throw new IllegalArgumentException("datastore is required (etcd or kubernetes)");
        etcdEndpoints = etcdEndpoints == null ? List.of() : List.copyOf(etcdEndpoints);
        if (datastore == Datastore.ETCD && etcdEndpoints.isEmpty())
            throw new IllegalArgumentException("datastore etcd needs at least one endpoint, e.g. http://127.0.0.1:2379");
        if (etcdPrefix == null || etcdPrefix.isBlank()) etcdPrefix = KeyLayout.DEFAULT_PREFIX;
        if (leaseNamespace == null || leaseNamespace.isBlank()) leaseNamespace = DEFAULT_LEASE_NAMESPACE;
        if (timeout == null) timeout = DEFAULT_TIMEOUT;
    }

    public static StoreConfig etcd(List<String> endpoints, String prefix) {
        return new StoreConfig(Datastore.ETCD, endpoints, prefix, null, null, null);
    }

    public static StoreConfig kubernetes(Path kubeconfig) {
        return new StoreConfig(Datastore.KUBERNETES, null, null, kubeconfig, null, null);
    }

    public StoreConfig withTimeout(Duration t) {
        return new StoreConfig(datastore, etcdEndpoints, etcdPrefix, kubeconfig, leaseNamespace, t);
    }
}
