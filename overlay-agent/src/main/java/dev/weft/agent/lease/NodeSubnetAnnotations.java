package dev.weft.agent.lease;

import dev.weft.store.ClusterStore;
import dev.weft.store.ConflictException;
import dev.weft.store.AlreadyExistsException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * The Node object's side of a subnet lease, so {@code kubectl get node -o yaml} tells the story:
 * {@code spec.podCIDR(s)} and the annotations {@code weft.dev/underlay-ip}, {@code weft.dev/vtep-mac}.
 */
final class NodeSubnetAnnotations {
    private final ClusterStore store;

    NodeSubnetAnnotations(ClusterStore store) { this.store = store; }

    /** The podCIDR the Node object names, if any. */
    Optional<Cidr> podCidr(String nodeName) {
        return store.get(Node.class, null, nodeName)
                .map(n -> n.getSpec() == null ? null : n.getSpec().getPodCIDR())
                .flatMap(c -> {
                    try {
                        return Optional.of(Cidr.parse(c));
                    } catch (IllegalArgumentException e) {
                        return Optional.empty();
                    }
                });
    }

    /** Creates or updates the Node (retrying on conflicts with other writers). */
    void publish(SubnetLease lease) {
        for (int attempt = 0; ; attempt++) {
            try {
                Optional<Node> existing = store.get(Node.class, null, lease.nodeName());
                if (existing.isEmpty()) store.create(apply(new NodeBuilder().withNewMetadata().withName(lease.nodeName()).endMetadata()
                        .withNewSpec().endSpec().build(), lease));
                else store.update(apply(existing.get(), lease));
                return;
            } catch (ConflictException | AlreadyExistsException e) {
                if (attempt >= 10) throw e;
            }
        }
    }

    private static Node apply(Node node, SubnetLease lease) {
        if (node.getSpec() == null) node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
        node.getSpec().setPodCIDR(lease.subnet().toString());
        node.getSpec().setPodCIDRs(List.of(lease.subnet().toString()));
        var annotations = node.getMetadata().getAnnotations() == null ? new HashMap<String, String>() : new HashMap<>(node.getMetadata().getAnnotations());
        annotations.put(SubnetLeaseRecord.UNDERLAY_IP, lease.identity().underlayIp());
        annotations.put(SubnetLeaseRecord.VTEP_MAC, lease.identity().vtepMac());
        node.getMetadata().setAnnotations(annotations);
        return node;
    }
}
