package dev.weft.lab;

import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Lab pods as Kubernetes {@code v1.Pod}s in the cluster store ({@link ClusterStore}: etcd under the agents'
 * prefix, {@code <prefix>/pods/default/<name>}), where the service proxy and the EndpointSlice controller
 * find them.
 */
final class StorePodRegistry implements PodRegistry {
  private final ClusterStore store;

  StorePodRegistry(String endpoint, String prefix) {
    this.store = ClusterStores.open(StoreConfig.etcd(List.of(endpoint), prefix));
  }

  /**
   * The Kubernetes object of a lab pod: one container whose ports are the responder's (named for Services); Ready as
   * {@code ready}; a terminating pod carries {@code deletionTimestamp} (the end of its grace period) as a pod being
   * deleted does in Kubernetes.
   */
  static Pod pod(LabPod p, String hostIp, boolean ready) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Pod pod = new PodBuilder()
        .withNewMetadata()
          .withName(p.name()).withNamespace(LabPod.NAMESPACE).withUid(p.uid()).withLabels(p.sortedLabels())
          .withCreationTimestamp(Instant.ofEpochMilli(p.createdMillis()).truncatedTo(ChronoUnit.SECONDS).toString())
          .addToAnnotations("weft.dev/lab-netns", p.netns())
        .endMetadata()
        .withNewSpec()
          .withNodeName(p.node())
          .addNewContainer().withName("responder").withImage("weft-lab/responder")
            .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(Responder.HTTP_PORT).withProtocol("TCP").build(),
                new ContainerPortBuilder().withName("echo").withContainerPort(Responder.ECHO_PORT).withProtocol("TCP").build(),
                new ContainerPortBuilder().withName("echo-udp").withContainerPort(Responder.ECHO_PORT).withProtocol("UDP").build())
          .endContainer()
        .endSpec()
        .withNewStatus()
          .withPhase("Running").withHostIP(hostIp).withPodIP(p.ip()).withPodIPs(new PodIP(p.ip()))
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").withLastTransitionTime(now).endCondition()
          .addNewCondition().withType("ContainersReady").withStatus(ready ? "True" : "False").withLastTransitionTime(now).endCondition()
        .endStatus()
        .build();
    if (p.terminating()) pod.getMetadata().setDeletionTimestamp(Instant.ofEpochMilli(p.deletionMillis()).toString());
    return pod;
  }

  @Override
  public void put(LabPod p, String hostIp, boolean ready) {
    store.put(pod(p, hostIp, ready));
  }

  @Override
  public void delete(String podName) {
    store.delete(Pod.class, LabPod.NAMESPACE, podName);
  }

  @Override
  public void close() {
    store.close();
  }
}
