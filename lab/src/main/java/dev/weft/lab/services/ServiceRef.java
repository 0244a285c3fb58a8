package dev.weft.lab.services;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** A Service's namespace and name: who owns an allocated address or port. */
public record ServiceRef(String namespace, String name) {
  public static ServiceRef of(HasMetadata svc) {
    return new ServiceRef(svc.getMetadata().getNamespace(), svc.getMetadata().getName());
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
