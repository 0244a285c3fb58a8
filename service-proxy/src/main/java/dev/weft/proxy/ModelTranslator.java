package dev.weft.proxy;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Kubernetes Services and {@code discovery.k8s.io/v1} EndpointSlices → the {@link ProxyModel} both
 * backends program: a pure function (kube-proxy's ServiceChangeTracker + EndpointSliceCache, minus
 * the change tracking, which the backends do by diffing models).
 *
 * <ul>
 *   <li>One {@link ServicePort} per port of every Service that has a ClusterIP; headless services
 *       ({@code clusterIP: None}), ExternalName services and services without an allocated ClusterIP
 *       get no rules, as in kube-proxy.
 *   <li>IPv4 only (the backends program the {@code ip} family): IPv6 ClusterIPs, external and
 *       load-balancer IPs and source ranges are dropped, IPv6 and FQDN slices ignored.
 *   <li>{@code spec.loadBalancerSourceRanges} (or the legacy annotation): see {@link SourceRanges}.
 *   <li>Endpoints come from the slices labelled {@code kubernetes.io/service-name=<service>} in the
 *       service's namespace and are matched to service ports by port <em>name</em> and protocol:
 *       the slice's port carries the resolved number, which is how named target ports work.
 *   <li>Conditions: {@code ready} unset means ready (API semantics), {@code serving} unset means
 *       the value of ready, {@code terminating} unset means false. The same address and port in two
 *       slices (during a slice hand-over) appears once, preferring the ready copy.
 * </ul>
 */
public final class ModelTranslator {
  /** The label that ties an EndpointSlice to its Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  /** Kubernetes' default {@code sessionAffinityConfig.clientIP.timeoutSeconds}: 3 hours. */
  public static final Duration DEFAULT_AFFINITY_TIMEOUT = Duration.ofSeconds(10800);

  private ModelTranslator() {}

  /** The whole model from every Service and EndpointSlice the proxy knows. */
  public static ProxyModel translate(Collection<Service> services, Collection<EndpointSlice> slices) {
    Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
    for (EndpointSlice s : slices) {
      if (s == null || s.getMetadata() == null) continue;
      String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
      if (svc == null || svc.isEmpty()) continue;
      if (!"IPv4".equals(s.getAddressType())) continue;
      slicesByService.computeIfAbsent(key(s.getMetadata().getNamespace(), svc), k -> new ArrayList<>()).add(s);
    }
    TreeMap<ServicePortName, ServicePort> ports = new TreeMap<>();
    TreeMap<ServicePortName, List<Endpoint>> endpoints = new TreeMap<>();
    for (Service svc : services) {
      List<ServicePort> sps = servicePorts(svc);
      if (sps.isEmpty()) continue;
      List<EndpointSlice> mine = slicesByService.getOrDefault(key(svc.getMetadata().getNamespace(), svc.getMetadata().getName()), List.of());
      for (ServicePort sp : sps) {
        ports.put(sp.id(), sp);
        endpoints.put(sp.id(), endpointsFor(sp.id(), mine));
      }
    }
    return new ProxyModel(ports, endpoints);
  }

  /** The ports of one Service as the proxy programs them; empty when the service gets no rules. */
  public static List<ServicePort> servicePorts(Service svc) {
    if (svc == null || svc.getMetadata() == null || svc.getSpec() == null) return List.of();
    ServiceSpec spec = svc.getSpec();
    if ("ExternalName".equals(spec.getType())) return List.of();
    List<InetAddress> clusterIps = clusterIps(spec);
    if (clusterIps.isEmpty()) return List.of(); // headless (None), unallocated, or IPv6-only
    String type = spec.getType() == null ? "ClusterIP" : spec.getType();
    boolean nodePorts = type.equals("NodePort") || type.equals("LoadBalancer");
    List<InetAddress> externalIps = ipv4s(spec.getExternalIPs());
    List<InetAddress> lbIps = new ArrayList<>();
    if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null && svc.getStatus().getLoadBalancer().getIngress() != null)
      for (LoadBalancerIngress ing : svc.getStatus().getLoadBalancer().getIngress()) {
        // ipMode Proxy: the load balancer delivers to the node itself, no VIP rules (KEP-1860)
        if (ing == null || "Proxy".equals(ing.getIpMode())) continue;
        InetAddress a = ipv4(ing.getIp());
        if (a != null && !lbIps.contains(a)) lbIps.add(a);
      }
    TrafficPolicy etp = "Local".equals(spec.getExternalTrafficPolicy()) ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER;
    TrafficPolicy itp = "Local".equals(spec.getInternalTrafficPolicy()) ? TrafficPolicy.LOCAL : TrafficPolicy.CLUSTER;
    Duration affinity = null;
    if ("ClientIP".equals(spec.getSessionAffinity())) {
      Integer t = spec.getSessionAffinityConfig() == null || spec.getSessionAffinityConfig().getClientIP() == null ? null
          : spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
      affinity = t == null || t <= 0 ? DEFAULT_AFFINITY_TIMEOUT : Duration.ofSeconds(t);
    }
    int hcnp = etp == TrafficPolicy.LOCAL && spec.getHealthCheckNodePort() != null ? spec.getHealthCheckNodePort() : 0;
    List<IpPrefix> sourceRanges = SourceRanges.of(svc);
    List<ServicePort> out = new ArrayList<>();
    if (spec.getPorts() == null) return out;
    String ns = svc.getMetadata().getNamespace() == null ? "default" : svc.getMetadata().getNamespace();
    for (io.fabric8.kubernetes.api.model.ServicePort p : spec.getPorts()) {
      if (p == null || p.getPort() == null) continue;
      Protocol proto = protocol(p.getProtocol());
      if (proto == null) continue;
      var id = new ServicePortName(ns, svc.getMetadata().getName(), p.getName() == null ? "" : p.getName(), proto);
      int nodePort = nodePorts && p.getNodePort() != null ? p.getNodePort() : 0;
      out.add(new ServicePort(id, clusterIps, p.getPort(), nodePort, externalIps, lbIps, etp, itp, affinity, hcnp, sourceRanges));
    }
    return out;
  }

  /**
   * The endpoints of one service port among its service's slices: the slice port with the same
   * name and protocol gives the (resolved) port number; sorted by address, then port.
   */
  static List<Endpoint> endpointsFor(ServicePortName id, List<EndpointSlice> slices) {
    Map<String, Endpoint> byAddress = new LinkedHashMap<>();
    for (EndpointSlice slice : slices) {
      if (slice.getPorts() == null || slice.getEndpoints() == null) continue;
      for (EndpointPort port : slice.getPorts()) {
        if (port == null || port.getPort() == null) continue;
        if (!Objects.equals(port.getName() == null ? "" : port.getName(), id.portName())) continue;
        if (protocol(port.getProtocol()) != id.protocol()) continue;
        for (var e : slice.getEndpoints()) {
          if (e == null || e.getAddresses() == null || e.getAddresses().isEmpty()) continue;
          InetAddress ip = ipv4(e.getAddresses().getFirst()); // every address of one endpoint is fungible: kube-proxy uses the first
          if (ip == null) continue;
          EndpointConditions c = e.getConditions();
          boolean ready = c == null || c.getReady() == null || c.getReady();
          boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
          boolean terminating = c != null && c.getTerminating() != null && c.getTerminating();
          Endpoint ep = new Endpoint(ip, port.getPort(), e.getNodeName(), ready, serving, terminating);
          String k = ip.getHostAddress() + ":" + port.getPort();
          Endpoint before = byAddress.get(k);
          if (before == null || (!before.ready() && ready)) byAddress.put(k, ep);
        }
      }
    }
    List<Endpoint> out = new ArrayList<>(byAddress.values());
    out.sort(ENDPOINT_ORDER);
    return out;
  }

  private static final Comparator<Endpoint> ENDPOINT_ORDER = Comparator
      .comparing((Endpoint e) -> e.ip().getAddress(), java.util.Arrays::compareUnsigned)
      .thenComparingInt(Endpoint::port);

  private static List<InetAddress> clusterIps(ServiceSpec spec) {
    List<String> raw = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty() ? spec.getClusterIPs()
        : spec.getClusterIP() == null ? List.of() : List.of(spec.getClusterIP());
    if (raw.stream().anyMatch(s -> "None".equals(s))) return List.of();
    return ipv4s(raw);
  }

  static Protocol protocol(String p) {
    if (p == null || p.isEmpty()) return Protocol.TCP;
    try {
      return Protocol.valueOf(p.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static List<InetAddress> ipv4s(List<String> raw) {
    List<InetAddress> out = new ArrayList<>();
    if (raw == null) return out;
    for (String s : raw) {
      InetAddress a = ipv4(s);
      if (a != null && !out.contains(a)) out.add(a);
    }
    return out;
  }

  /** A dotted-quad literal, else null (never a DNS lookup). */
  static InetAddress ipv4(String s) {
    if (s == null) return null;
    String[] parts = s.trim().split("\\.", -1);
    if (parts.length != 4) return null;
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      if (parts[i].isEmpty() || parts[i].length() > 3 || !parts[i].chars().allMatch(Character::isDigit)) return null;
      int v = Integer.parseInt(parts[i]);
      if (v > 255) return null;
      b[i] = (byte) v;
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(b);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static String key(String namespace, String name) {
    return (namespace == null ? "default" : namespace) + "/" + name;
  }
}
