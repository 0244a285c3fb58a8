package dev.weft.proxy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;

/** Kubernetes objects as the lab (and the EndpointSlice controller) would store them. */
final class StoreObjects {
  private StoreObjects() {}

  /** A ClusterIP service with one port named "http" (TCP {@code port} → target port "web"). */
  static Service service(String ns, String name, String clusterIp, int port) {
    return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withClusterIPs(clusterIp)
        .addNewPort().withName("http").withProtocol("TCP").withPort(port).withTargetPort(new IntOrString("web")).endPort()
        .withSelector(Map.of("app", name)).endSpec().build();
  }

  /** A UDP service with one port named "dns". */
  static Service udpService(String ns, String name, String clusterIp, int port) {
    return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp)
        .addNewPort().withName("dns").withProtocol("UDP").withPort(port).withTargetPort(new IntOrString(port)).endPort()
        .endSpec().build();
  }

  /** The slice of {@code service} with port {@code portName} resolved to {@code targetPort}. */
  static EndpointSlice slice(String ns, String service, String sliceName, String portName, String protocol, int targetPort,
      List<Endpoint> endpoints) {
    return new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(sliceName)
        .withLabels(Map.of(ModelTranslator.SERVICE_NAME_LABEL, service, "endpointslice.kubernetes.io/managed-by", "weft-lab")).endMetadata()
        .withAddressType("IPv4").addNewPort().withName(portName).withProtocol(protocol).withPort(targetPort).endPort()
        .withEndpoints(endpoints).build();
  }

  static EndpointSlice slice(String ns, String service, int targetPort, String... readyIps) {
    return slice(ns, service, service + "-abc", "http", "TCP", targetPort,
        java.util.Arrays.stream(readyIps).map(ip -> ready(ip, "node-1")).toList());
  }

  static Endpoint ready(String ip, String node) {
    return new EndpointBuilder().withAddresses(ip).withNodeName(node).withNewConditions().withReady(true).withServing(true)
        .withTerminating(false).endConditions().build();
  }

  static Endpoint notReady(String ip, String node) {
    return new EndpointBuilder().withAddresses(ip).withNodeName(node).withNewConditions().withReady(false).withServing(false)
        .withTerminating(false).endConditions().build();
  }
}
