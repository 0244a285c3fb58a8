package dev.weft.lab.services;

import dev.weft.store.AlreadyExistsException;
import dev.weft.store.ClusterStore;
import dev.weft.store.ConflictException;
import dev.weft.store.NotFoundException;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What kube-apiserver does for Services, on a bare {@link ClusterStore}: {@link #apply} validates and defaults a
 * manifest, allocates what it does not give (ClusterIP, NodePorts, healthCheckNodePort, a LoadBalancer ingress IP
 * written to {@code status.loadBalancer.ingress}) and stores it; {@link #delete} removes a Service and frees
 * everything it held. An update keeps the Service's ClusterIP (immutable), its NodePorts (matched by port and
 * protocol, else by name) and its ingress IP; values an update drops are freed after the update is stored.
 *
 * <p>Safe under concurrency without locks: values are taken with create-if-absent records (see {@link
 * RecordAllocator}) before the Service is written with create-if-absent / compare-and-swap; a lost race gives the
 * values taken for the attempt back and starts again from the stored state. A crash between taking values and
 * writing the Service leaves records no Service uses; {@link #repair} frees them.
 */
public final class ServiceApplier {
  public enum Outcome { CREATED, CONFIGURED, UNCHANGED }

  public record Result(Outcome outcome, Service service) {}

  private static final KubernetesSerialization SERIAL = new KubernetesSerialization();
  private static final int ATTEMPTS = 10;

  private final ClusterStore store;
  private final ServiceRanges ranges;
  private final IpAddressAllocator clusterIps;
  private final IpAddressAllocator lbIps;
  private final NodePortAllocator nodePorts;

  public ServiceApplier(ClusterStore store, ServiceRanges ranges) {
    this.store = store;
    this.ranges = ranges;
    this.clusterIps = IpAddressAllocator.clusterIps(store, ranges);
    this.lbIps = ranges.loadBalancerPool() == null ? null : IpAddressAllocator.loadBalancerIps(store, ranges);
    this.nodePorts = new NodePortAllocator(store, ranges);
  }

  public ServiceRanges ranges() {
    return ranges;
  }

  public Result apply(Service manifest) {
    Service desired = SERIAL.clone(manifest);
    ObjectMeta m = desired.getMetadata() == null ? new ObjectMeta() : desired.getMetadata();
    desired.setMetadata(m);
    if (m.getNamespace() == null || m.getNamespace().isEmpty()) m.setNamespace("default");
    m.setResourceVersion(null);
    m.setUid(null);
    m.setCreationTimestamp(null);
    m.setManagedFields(new ArrayList<>());
    m.setGeneration(null);
    desired.setStatus(null);
    desired.setApiVersion("v1");
    desired.setKind("Service");
    ServiceValidator.validateAndDefault(desired, ranges);
    ServiceRef ref = ServiceRef.of(desired);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Service old = store.get(Service.class, ref.namespace(), ref.name()).orElse(null);
      List<Runnable> undo = new ArrayList<>();
      try {
        Service svc = allocate(desired, old, ref, undo);
        if (old == null) {
          try {
            return new Result(Outcome.CREATED, store.create(svc));
          } catch (AlreadyExistsException raced) {
            rollback(undo);
            continue;
          }
        }
        if (sameContent(old, svc)) return new Result(Outcome.UNCHANGED, old);
        Service stored;
        try {
          stored = store.update(svc);
        } catch (ConflictException | NotFoundException raced) {
          rollback(undo);
          continue;
        }
        for (Held h : held(old)) if (!held(stored).contains(h)) release(h, ref);
        return new Result(Outcome.CONFIGURED, stored);
      } catch (RuntimeException e) {
        rollback(undo);
        throw e;
      }
    }
    throw new ServiceRejectedException("service " + ref + " is being changed concurrently: gave up after " + ATTEMPTS + " attempts");
  }

  /** Deletes the Service and frees its ClusterIP, NodePorts, healthCheckNodePort and ingress IPs; false when absent. */
  public boolean delete(String namespace, String name) {
    Optional<Service> svc = store.get(Service.class, namespace, name);
    if (svc.isEmpty()) return false;
    store.delete(Service.class, namespace, name);
    ServiceRef ref = new ServiceRef(namespace, name);
    for (Held h : held(svc.get())) release(h, ref);
    return true;
  }

  /**
   * Kubernetes' repair loops: records missing for values a stored Service holds (a Service written to the store
   * directly, not through {@link #apply}) are created, so nothing else is given them; records whose Service does
   * not exist or does not use them (left by a crash between allocation and the Service's write) are freed if older
   * than {@code graceSeconds}, so as not to race an apply under way. Returns how many records were freed or created;
   * a value two Services hold stays with the first recorded one (the other is an error only a human can resolve).
   */
  public int repair(long graceSeconds) {
    Set<String> used = new java.util.HashSet<>();
    int changed = 0;
    for (Service s : store.list(Service.class, null)) {
      ServiceRef ref = ServiceRef.of(s);
      for (Held h : held(s)) {
        used.add(h.kind() + "/" + h.value());
        try {
          boolean created = switch (h.kind()) {
            case "ip" -> ranges.requestableClusterIps().contains(h.value()) && clusterIps.claim(h.value(), ref, "repair");
            case "port" -> ranges.nodePorts().contains(Integer.parseInt(h.value())) && nodePorts.claim(h.value(), ref, "repair");
            default -> lbIps != null && lbIps.claim(h.value(), ref, "repair");
          };
          if (created) changed++;
        } catch (ServiceRejectedException twice) {
          // held by another Service too: left as is
        }
      }
    }
    long cutoff = System.currentTimeMillis() - graceSeconds * 1000;
    for (var r : clusterIps.records()) if (stale(r, "ip", used, cutoff) && clusterIps.release(r.getMetadata().getName(), clusterIps.ownerOf(r))) changed++;
    if (lbIps != null) for (var r : lbIps.records()) if (stale(r, "lb", used, cutoff) && lbIps.release(r.getMetadata().getName(), lbIps.ownerOf(r))) changed++;
    for (var r : nodePorts.records()) if (stale(r, "port", used, cutoff) && nodePorts.release(r.getMetadata().getName(), nodePorts.ownerOf(r))) changed++;
    return changed;
  }

  private static boolean stale(io.fabric8.kubernetes.api.model.HasMetadata r, String kind, Set<String> used, long cutoff) {
    if (used.contains(kind + "/" + r.getMetadata().getName())) return false;
    String created = r.getMetadata().getCreationTimestamp();
    return created == null || java.time.Instant.parse(created).toEpochMilli() < cutoff;
  }

  // ------------------------------------------------------------------------------------ allocation

  private Service allocate(Service desired, Service old, ServiceRef ref, List<Runnable> undo) {
    Service svc = SERIAL.clone(desired);
    if (old != null) {
      svc.getMetadata().setUid(old.getMetadata().getUid());
      svc.getMetadata().setCreationTimestamp(old.getMetadata().getCreationTimestamp());
      svc.getMetadata().setResourceVersion(old.getMetadata().getResourceVersion());
    }
    ServiceSpec s = svc.getSpec();
    ServiceSpec was = old == null || "ExternalName".equals(old.getSpec().getType()) ? null : old.getSpec();
    if (!s.getType().equals("ExternalName")) assignClusterIp(s, was, ref, undo);
    assignNodePorts(s, was, ref, undo);
    assignHealthCheckNodePort(s, was, ref, undo);
    svc.setStatus(loadBalancerStatus(s, old, ref, undo));
    return svc;
  }

  /** The ClusterIP: the manifest's (immutable once set), else the stored one, else a free one; "None" (headless) as is. */
  private void assignClusterIp(ServiceSpec s, ServiceSpec was, ServiceRef ref, List<Runnable> undo) {
    String oldIp = was == null ? null : was.getClusterIP();
    String ip = s.getClusterIP();
    if (ip != null && oldIp != null && !ip.equals(oldIp))
      throw new ServiceRejectedException("The Service \"" + ref.name() + "\" is invalid: spec.clusterIPs[0]: Invalid value: \"" + ip
          + "\": may not change once set (it is " + oldIp + ")");
    if (ip == null) ip = oldIp;
    if (!"None".equals(ip)) ip = clusterIps.take(ip, ref, "spec.clusterIPs", undo);
    s.setClusterIP(ip);
    s.setClusterIPs(new ArrayList<>(List.of(ip)));
  }

  /** Each port's NodePort (manifest's, else the one the stored Service gave it, else a free one), or none. */
  private void assignNodePorts(ServiceSpec s, ServiceSpec was, ServiceRef ref, List<Runnable> undo) {
    boolean wantNodePorts = ServiceValidator.needsNodePorts(s);
    List<ServicePort> ports = s.getPorts() == null ? List.of() : s.getPorts();
    for (int i = 0; i < ports.size(); i++) {
      ServicePort p = ports.get(i);
      p.setNodePort(wantNodePorts
          ? nodePorts.takePort(p.getNodePort() != null ? p.getNodePort() : previousNodePort(was, p), ref, "spec.ports[" + i + "].nodePort", undo)
          : null);
    }
  }

  private void assignHealthCheckNodePort(ServiceSpec s, ServiceSpec was, ServiceRef ref, List<Runnable> undo) {
    if (!ServiceValidator.needsHealthCheckNodePort(s)) {
      s.setHealthCheckNodePort(null);
      return;
    }
    Integer want = s.getHealthCheckNodePort() != null ? s.getHealthCheckNodePort() : was == null ? null : was.getHealthCheckNodePort();
    s.setHealthCheckNodePort(nodePorts.takePort(want, ref, "spec.healthCheckNodePort", undo));
  }

  /** status.loadBalancer as the apiserver writes it ({@code {"loadBalancer": {}}}), with an ingress IP for a LoadBalancer. */
  private ServiceStatus loadBalancerStatus(ServiceSpec s, Service old, ServiceRef ref, List<Runnable> undo) {
    ServiceStatus status = new ServiceStatus();
    status.setLoadBalancer(new io.fabric8.kubernetes.api.model.LoadBalancerStatus());
    if (s.getType().equals("LoadBalancer") && lbIps != null) {
      String want = s.getLoadBalancerIP() != null && !s.getLoadBalancerIP().isEmpty() ? s.getLoadBalancerIP()
          : old == null ? null : poolIngress(old).stream().findFirst().orElse(null);
      String ip = lbIps.take(want, ref, "spec.loadBalancerIP", undo);
      status.setLoadBalancer(new io.fabric8.kubernetes.api.model.LoadBalancerStatusBuilder()
          .withIngress(new LoadBalancerIngressBuilder().withIp(ip).withIpMode("VIP").build()).build());
    }
    return status;
  }

  /** The node port an earlier version of the Service gave the same port (same number and protocol, else same name). */
  private static Integer previousNodePort(ServiceSpec was, ServicePort p) {
    if (was == null || was.getPorts() == null) return null;
    for (ServicePort o : was.getPorts())
      if (o.getNodePort() != null && Objects.equals(o.getPort(), p.getPort()) && Objects.equals(o.getProtocol(), p.getProtocol())) return o.getNodePort();
    for (ServicePort o : was.getPorts())
      if (o.getNodePort() != null && p.getName() != null && p.getName().equals(o.getName()) && Objects.equals(o.getProtocol(), p.getProtocol()))
        return o.getNodePort();
    return null;
  }

  private List<String> poolIngress(Service svc) {
    List<String> out = new ArrayList<>();
    if (lbIps == null || svc.getStatus() == null || svc.getStatus().getLoadBalancer() == null) return out;
    for (var ing : svc.getStatus().getLoadBalancer().getIngress())
      if (ing.getIp() != null && ranges.loadBalancerPool().contains(ing.getIp())) out.add(ing.getIp());
    return out;
  }

  private record Held(String kind, String value) {}

  /** Everything a stored Service holds. */
  private Set<Held> held(Service svc) {
    Set<Held> out = new LinkedHashSet<>();
    ServiceSpec s = svc.getSpec();
    if (s == null) return out;
    if (!"ExternalName".equals(s.getType()) && s.getClusterIP() != null && !s.getClusterIP().equals("None")) out.add(new Held("ip", s.getClusterIP()));
    if (s.getPorts() != null) for (ServicePort p : s.getPorts()) if (p.getNodePort() != null) out.add(new Held("port", p.getNodePort().toString()));
    if (s.getHealthCheckNodePort() != null) out.add(new Held("port", s.getHealthCheckNodePort().toString()));
    for (String ip : poolIngress(svc)) out.add(new Held("lb", ip));
    return out;
  }

  private void release(Held h, ServiceRef ref) {
    switch (h.kind()) {
      case "ip" -> clusterIps.release(h.value(), ref);
      case "port" -> nodePorts.release(h.value(), ref);
      case "lb" -> { if (lbIps != null) lbIps.release(h.value(), ref); }
      default -> throw new IllegalStateException(h.kind());
    }
  }

  private static void rollback(List<Runnable> undo) {
    for (Runnable r : undo.reversed()) {
      try {
        r.run();
      } catch (RuntimeException ignored) {
        // left for repair()
      }
    }
  }

  private static boolean sameContent(Service a, Service b) {
    return canonical(a).equals(canonical(b));
  }

  private static String canonical(Service s) {
    Service c = SERIAL.clone(s);
    c.getMetadata().setResourceVersion(null);
    return SERIAL.asJson(c);
  }
}
