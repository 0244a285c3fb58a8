package dev.weft.lab;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/**
 * Pods in etcd as the weft store lays Kubernetes objects out ({@code <prefix>/pods/<namespace>/<name>}, the
 * object's JSON by fabric8's serialization, no resourceVersion stored): written directly with jetcd.
 *
 * <p>Stop-gap: {@code dev.weft.store.ClusterStore} (being written alongside) will replace the direct etcd calls
 * with {@code store.put(pod)} / {@code store.delete(Pod.class, ns, name)}; {@link #pod} stays as it is.
 */
final class EtcdPodRegistry implements PodRegistry {
  private final Client client;
  private final String prefix;
  private final KubernetesSerialization json = new KubernetesSerialization();

  EtcdPodRegistry(String endpoint, String prefix) {
    this.client = Client.builder().endpoints(endpoint).connectTimeout(java.time.Duration.ofSeconds(2)).build();
    this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  static String key(String prefix, String name) {
    return prefix + "/pods/" + LabPod.NAMESPACE + "/" + name;
  }

  /** The Kubernetes object of a lab pod: one container whose ports are the responder's (named for Services). */
  static Pod pod(LabPod p, String hostIp, boolean ready) {
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    return new PodBuilder()
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
  }

  @Override
  public void put(LabPod p, String hostIp, boolean ready) {
    byte[] value = json.asJson(pod(p, hostIp, ready)).getBytes(StandardCharsets.UTF_8);
    try {
      client.getKVClient().put(bs(key(prefix, p.name())), ByteSequence.from(value)).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("put pod " + p.name() + " into etcd: " + e, e);
    }
  }

  @Override
  public void delete(String podName) {
    try {
      client.getKVClient().delete(bs(key(prefix, podName))).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("delete pod " + podName + " from etcd: " + e, e);
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }
}
