package dev.weft.lab.services;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One allocated node port: {@code weft.dev/v1alpha1 NodePortAllocation}, cluster-scoped, named by the port number
 * ({@code <prefix>/nodeportallocations/30080}), {@code spec} naming the owning Service. Kubernetes keeps node ports
 * in a bitmap ({@code /registry/ranges/servicenodeports}) behind the apiserver's lock; a record per port lets
 * concurrent writers without an apiserver take ports with an atomic create-if-absent instead. A port is one number
 * whatever the protocol: one Service may use it for TCP and UDP, two Services never share it.
 */
@Group("weft.dev")
@Version("v1alpha1")
@Plural("nodeportallocations")
public final class NodePortAllocation extends CustomResource<NodePortAllocation.Spec, Void> {
  /** The owner: the Service's namespace and name, and what the port is for ({@code nodePort} or {@code healthCheckNodePort}). */
  public static final class Spec {
    private String serviceNamespace;
    private String serviceName;

    public Spec() {}

    public Spec(ServiceRef owner) {
      this.serviceNamespace = owner.namespace();
      this.serviceName = owner.name();
    }

    public String getServiceNamespace() { return serviceNamespace; }
    public void setServiceNamespace(String s) { serviceNamespace = s; }
    public String getServiceName() { return serviceName; }
    public void setServiceName(String s) { serviceName = s; }
  }
}
