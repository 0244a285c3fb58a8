package dev.weft.store;

/** Opens the {@link ClusterStore} a {@link StoreConfig} names. */
public final class ClusterStores {
    private ClusterStores() {}

    public static ClusterStore open(StoreConfig config) {
        return switch (config.datastore()) {
            case ETCD -> EtcdClusterStore.connect(config.etcdEndpoints(), config.etcdPrefix(), config.timeout());
            case KUBERNETES -> KubernetesClusterStore.connect(config.kubeconfig(), config.leaseNamespace(), config.timeout());
        };
    }
}
