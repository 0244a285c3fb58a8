package dev.weft.lab.services;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The EndpointSlices a Service should have, from its selector and the pods of its namespace — a pure function,
 * following Kubernetes' EndpointSlice controller: pods whose labels match the selector, that have an IP and are not
 * finished (phase Succeeded/Failed); one endpoint per pod with {@code conditions} {@code serving} = the pod's Ready
 * condition, {@code terminating} = it has a deletionTimestamp, {@code ready} = serving and not terminating (or
 * {@code publishNotReadyAddresses}); {@code nodeName}; {@code targetRef} to the pod. Each pod resolves the Service's
 * target ports (a name is looked up among its containers' ports with the same protocol; a port it cannot resolve is
 * left out for that pod), pods with the same resolved ports share slices of at most 100 endpoints. A Service that
 * selects nothing gets one empty placeholder slice, as in Kubernetes. Services without a selector and ExternalName
 * Services get none (their slices are someone else's).
 *
 * <p>Names are {@code <service>-<5 chars>}, the suffix a hash of the Service's uid and the slice's port set and
 * index — stable, so a restarted controller finds the same names and rewrites nothing.
 */
public final class EndpointSlicePlan {
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
  public static final String MANAGER = "endpointslice-controller.weft.dev";
  public static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
  public static final int MAX_ENDPOINTS = 100;
  private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789"; // Kubernetes' generateName alphabet

  private EndpointSlicePlan() {}

  /** True when the controller keeps this Service's slices. */
  public static boolean managed(Service svc) {
    return svc.getSpec() != null && !"ExternalName".equals(svc.getSpec().getType()) && svc.getSpec().getSelector() != null
        && !svc.getSpec().getSelector().isEmpty();
  }

  /** The desired slices, sorted by name; empty when the Service is not {@link #managed}. */
  public static List<EndpointSlice> desired(Service svc, Collection<Pod> pods) {
    if (!managed(svc)) return List.of();
    String ns = svc.getMetadata().getNamespace();
    Map<String, String> selector = svc.getSpec().getSelector();
    boolean publishNotReady = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
    // group endpoints by their resolved ports (ordered as the service's ports)
    Map<String, List<EndpointPort>> portsByKey = new TreeMap<>();
    Map<String, List<Endpoint>> endpointsByKey = new TreeMap<>();
    for (Pod pod : pods) {
      if (!ns.equals(pod.getMetadata().getNamespace()) || !matches(selector, pod.getMetadata().getLabels())) continue;
      String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
      if (ip == null || ip.isEmpty() || Ipv4Range.tryParse(ip) == null) continue;
      String phase = pod.getStatus().getPhase();
      if ("Succeeded".equals(phase) || "Failed".equals(phase)) continue;
      List<EndpointPort> ports = resolvePorts(svc, pod);
      String key = portsKey(ports);
      portsByKey.putIfAbsent(key, ports);
      endpointsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(endpoint(pod, ip, publishNotReady));
    }
    List<EndpointSlice> out = new ArrayList<>();
    if (endpointsByKey.isEmpty()) {
      out.add(slice(svc, "placeholder", List.of(), List.of()));
      return out;
    }
    for (var e : endpointsByKey.entrySet()) {
      List<Endpoint> eps = e.getValue();
      eps.sort(Comparator.comparingLong((Endpoint x) -> Ipv4Range.toLong(x.getAddresses().getFirst()))
          .thenComparing(x -> x.getTargetRef().getName()));
      for (int i = 0; i * MAX_ENDPOINTS < eps.size(); i++)
        out.add(slice(svc, e.getKey() + "#" + i, portsByKey.get(e.getKey()), eps.subList(i * MAX_ENDPOINTS, Math.min(eps.size(), (i + 1) * MAX_ENDPOINTS))));
    }
    out.sort(Comparator.comparing(s -> s.getMetadata().getName()));
    return out;
  }

  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    if (labels == null) return false;
    for (var e : selector.entrySet()) if (!Objects.equals(labels.get(e.getKey()), e.getValue())) return false;
    return true;
  }

  /** The Service's ports as this pod serves them: numbers as given, names looked up in the pod's container ports. */
  static List<EndpointPort> resolvePorts(Service svc, Pod pod) {
    List<EndpointPort> out = new ArrayList<>();
    for (ServicePort sp : svc.getSpec().getPorts() == null ? List.<ServicePort>of() : svc.getSpec().getPorts()) {
      String proto = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
      Integer port = null;
      var tp = sp.getTargetPort();
      if (tp == null) port = sp.getPort();
      else if (tp.getIntVal() != null) port = tp.getIntVal();
      else if (pod.getSpec() != null && pod.getSpec().getContainers() != null)
        outer:
        for (var c : pod.getSpec().getContainers())
          for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts())
            if (tp.getStrVal().equals(cp.getName()) && proto.equals(cp.getProtocol() == null ? "TCP" : cp.getProtocol())) {
              port = cp.getContainerPort();
              break outer;
            }
      if (port == null) continue;
      out.add(new EndpointPortBuilder().withName(sp.getName() == null ? "" : sp.getName()).withPort(port).withProtocol(proto)
          .withAppProtocol(sp.getAppProtocol()).build());
    }
    return out;
  }

  private static String portsKey(List<EndpointPort> ports) {
    StringBuilder s = new StringBuilder();
    for (EndpointPort p : ports) s.append(p.getName()).append(':').append(p.getPort()).append('/').append(p.getProtocol()).append(',');
    return s.toString();
  }

  private static Endpoint endpoint(Pod pod, String ip, boolean publishNotReady) {
    boolean serving = podReady(pod);
    boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
    boolean ready = publishNotReady || (serving && !terminating);
    return new EndpointBuilder()
        .withAddresses(ip)
        .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
        .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
        .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
            .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build())
        .build();
  }

  static boolean podReady(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) return false;
    for (PodCondition c : pod.getStatus().getConditions()) if ("Ready".equals(c.getType())) return "True".equals(c.getStatus());
    return false;
  }

  private static EndpointSlice slice(Service svc, String discriminator, List<EndpointPort> ports, List<Endpoint> endpoints) {
    String name = svc.getMetadata().getName();
    Map<String, String> labels = new LinkedHashMap<>();
    if (svc.getMetadata().getLabels() != null) labels.putAll(new TreeMap<>(svc.getMetadata().getLabels()));
    labels.remove(SERVICE_NAME_LABEL);
    labels.remove(MANAGED_BY_LABEL);
    labels.put(SERVICE_NAME_LABEL, name);
    labels.put(MANAGED_BY_LABEL, MANAGER);
    if ("None".equals(svc.getSpec().getClusterIP())) labels.put(HEADLESS_LABEL, "");
    String prefix = name.length() > 57 ? name.substring(0, 57) : name;
    return new EndpointSliceBuilder()
        .withNewMetadata()
          .withName(prefix + "-" + suffix(svc.getMetadata().getUid() + "/" + discriminator))
          .withNamespace(svc.getMetadata().getNamespace())
          .withLabels(labels)
          .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("Service").withName(name)
              .withUid(svc.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).build())
        .endMetadata()
        .withAddressType("IPv4")
        .withPorts(new ArrayList<>(ports))
        .withEndpoints(new ArrayList<>(endpoints))
        .build();
  }

  private static String suffix(String seed) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < 5; i++) s.append(ALPHABET.charAt((h[i] & 0xff) % ALPHABET.length()));
      return s.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
