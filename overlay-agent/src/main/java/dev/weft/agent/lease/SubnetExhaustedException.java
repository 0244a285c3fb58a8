package dev.weft.agent.lease;

import dev.weft.store.StoreException;

/** Every subnet of the cluster CIDR is held by a live node. */
public final class SubnetExhaustedException extends StoreException {
    public SubnetExhaustedException(Cidr clusterCidr, int subnetLength) {
        super("no free /" + subnetLength + " left in " + clusterCidr);
    }
}
