package dev.weft.lab.services;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.SessionAffinityConfigBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What kube-apiserver checks and defaults in a Service before allocation (a useful subset, same messages where it
 * matters): names, type, ports (protocol TCP, targetPort = port), policies, session affinity, single-stack IPv4.
 * Deviation, on purpose: a {@code healthCheckNodePort} is given to NodePort Services with
 * {@code externalTrafficPolicy: Local} too (Kubernetes: LoadBalancer only), so the proxy's health check can be
 * tested without a load balancer.
 */
public final class ServiceValidator {
  public static final Set<String> TYPES = Set.of("ClusterIP", "NodePort", "LoadBalancer", "ExternalName");
  private static final Pattern DNS1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern IANA_SVC = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  public static final int DEFAULT_AFFINITY_SECONDS = 10800;

  private ServiceValidator() {}

  /** True for NodePort and LoadBalancer, and for ClusterIP with externalIPs (Kubernetes' "externally accessible"). */
  public static boolean externallyAccessible(ServiceSpec s) {
    return s.getType().equals("NodePort") || s.getType().equals("LoadBalancer")
        || (s.getType().equals("ClusterIP") && s.getExternalIPs() != null && !s.getExternalIPs().isEmpty());
  }

  public static boolean needsNodePorts(ServiceSpec s) {
    return s.getType().equals("NodePort") || (s.getType().equals("LoadBalancer") && !Boolean.FALSE.equals(s.getAllocateLoadBalancerNodePorts()));
  }

  public static boolean needsHealthCheckNodePort(ServiceSpec s) {
    return (s.getType().equals("NodePort") || s.getType().equals("LoadBalancer")) && "Local".equals(s.getExternalTrafficPolicy());
  }

  /** Validates and defaults in place; a {@link ServiceRejectedException} lists every problem found. */
  public static void validateAndDefault(Service svc, ServiceRanges ranges) {
    List<String> errs = new ArrayList<>();
    String name = svc.getMetadata() == null ? null : svc.getMetadata().getName();
    if (name == null || name.isEmpty()) throw new ServiceRejectedException("a Service needs metadata.name");
    if (name.length() > 63 || !DNS1035.matcher(name).matches())
      errs.add("metadata.name: Invalid value: \"" + name + "\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
          + "start with an alphabetic character, and end with an alphanumeric character (at most 63)");
    String ns = svc.getMetadata().getNamespace();
    if (ns == null || ns.length() > 63 || !DNS1123.matcher(ns).matches()) errs.add("metadata.namespace: Invalid value: \"" + ns + "\"");
    if (svc.getSpec() == null) svc.setSpec(new ServiceSpec());
    ServiceSpec s = svc.getSpec();
    if (s.getType() == null || s.getType().isEmpty()) s.setType("ClusterIP");
    if (!TYPES.contains(s.getType())) {
      errs.add("spec.type: Unsupported value: \"" + s.getType() + "\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
      throw rejected(svc, errs);
    }
    boolean externalName = s.getType().equals("ExternalName");
    // ClusterIP / clusterIPs
    String cip = s.getClusterIP() == null ? "" : s.getClusterIP();
    List<String> cips = s.getClusterIPs() == null ? List.of() : s.getClusterIPs();
    if (cip.isEmpty() && !cips.isEmpty()) cip = cips.getFirst();
    if (!cips.isEmpty() && !cips.getFirst().equals(cip)) errs.add("spec.clusterIPs[0]: Invalid value: \"" + cips.getFirst() + "\": must match `clusterIP` \"" + cip + "\"");
    if (cips.size() > 1) errs.add("spec.clusterIPs: Invalid value: " + cips + ": only single-stack IPv4 is supported");
    if (externalName) {
      if (!cip.isEmpty()) errs.add("spec.clusterIP: Invalid value: \"" + cip + "\": may not be set for ExternalName services");
      if (s.getExternalName() == null || s.getExternalName().isEmpty()) errs.add("spec.externalName: Required value");
    } else if (!cip.isEmpty() && !cip.equals("None") && !ranges.requestableClusterIps().contains(cip)) {
      errs.add("spec.clusterIPs: Invalid value: \"" + cip + "\": failed to allocate IP " + cip + ": the provided IP ("
          + cip + ") is not in the valid range. The range of valid IPs is " + ranges.serviceCidr());
    }
    s.setClusterIP(cip.isEmpty() ? null : cip);
    s.setClusterIPs(cip.isEmpty() ? new ArrayList<>() : new ArrayList<>(List.of(cip)));
    boolean headless = "None".equals(cip);
    if (s.getIpFamilies() != null && s.getIpFamilies().stream().anyMatch(f -> !f.equals("IPv4")))
      errs.add("spec.ipFamilies: Invalid value: " + s.getIpFamilies() + ": only IPv4 is supported");
    if (s.getIpFamilyPolicy() != null && !s.getIpFamilyPolicy().equals("SingleStack") && !s.getIpFamilyPolicy().equals("PreferDualStack"))
      errs.add("spec.ipFamilyPolicy: Invalid value: \"" + s.getIpFamilyPolicy() + "\": only single-stack IPv4 is supported");
    if (!externalName) {
      s.setIpFamilies(new ArrayList<>(List.of("IPv4")));
      s.setIpFamilyPolicy("SingleStack");
    }
    // ports
    List<ServicePort> ports = s.getPorts() == null ? List.of() : s.getPorts();
    if (ports.isEmpty() && !externalName && !headless) errs.add("spec.ports: Required value");
    Set<String> names = new HashSet<>(), portProtos = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      ServicePort p = ports.get(i);
      String f = "spec.ports[" + i + "]";
      if (p.getProtocol() == null || p.getProtocol().isEmpty()) p.setProtocol("TCP");
      if (!Set.of("TCP", "UDP", "SCTP").contains(p.getProtocol()))
        errs.add(f + ".protocol: Unsupported value: \"" + p.getProtocol() + "\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
      if (p.getPort() == null || p.getPort() < 1 || p.getPort() > 65535) errs.add(f + ".port: Invalid value: " + p.getPort() + ": must be between 1 and 65535, inclusive");
      if (p.getName() != null && p.getName().isEmpty()) p.setName(null);
      if (ports.size() > 1 && p.getName() == null) errs.add(f + ".name: Required value");
      if (p.getName() != null && (p.getName().length() > 63 || !DNS1123.matcher(p.getName()).matches()))
        errs.add(f + ".name: Invalid value: \"" + p.getName() + "\": must be a DNS label");
      if (p.getName() != null && !names.add(p.getName())) errs.add(f + ".name: Duplicate value: \"" + p.getName() + "\"");
      if (!portProtos.add(p.getPort() + "/" + p.getProtocol())) errs.add(f + ": Duplicate value: " + p.getPort() + "/" + p.getProtocol());
      IntOrString tp = p.getTargetPort();
      if (tp == null || (tp.getIntVal() == null && (tp.getStrVal() == null || tp.getStrVal().isEmpty()))) p.setTargetPort(new IntOrString(p.getPort()));
      else if (tp.getIntVal() != null && (tp.getIntVal() < 1 || tp.getIntVal() > 65535))
        errs.add(f + ".targetPort: Invalid value: " + tp.getIntVal() + ": must be between 1 and 65535, inclusive");
      else if (tp.getIntVal() == null && (tp.getStrVal().length() > 15 || !IANA_SVC.matcher(tp.getStrVal()).matches() || tp.getStrVal().contains("--")
          || tp.getStrVal().chars().noneMatch(Character::isLetter)))
        errs.add(f + ".targetPort: Invalid value: \"" + tp.getStrVal() + "\": must be a port number or an IANA service name (a container port's name)");
      if (p.getNodePort() != null && p.getNodePort() == 0) p.setNodePort(null);
      if (p.getNodePort() != null && !s.getType().equals("NodePort") && !s.getType().equals("LoadBalancer"))
        errs.add(f + ".nodePort: Forbidden: may not be used when `type` is '" + s.getType() + "'");
    }
    // traffic policies, affinity
    boolean external = externallyAccessible(s);
    if (s.getExternalTrafficPolicy() == null || s.getExternalTrafficPolicy().isEmpty()) s.setExternalTrafficPolicy(external ? "Cluster" : null);
    else if (!Set.of("Cluster", "Local").contains(s.getExternalTrafficPolicy()))
      errs.add("spec.externalTrafficPolicy: Unsupported value: \"" + s.getExternalTrafficPolicy() + "\": supported values: \"Cluster\", \"Local\"");
    else if (!external) errs.add("spec.externalTrafficPolicy: Invalid value: \"" + s.getExternalTrafficPolicy() + "\": may only be set for externally-accessible services");
    if (externalName) s.setInternalTrafficPolicy(null);
    else if (s.getInternalTrafficPolicy() == null || s.getInternalTrafficPolicy().isEmpty()) s.setInternalTrafficPolicy("Cluster");
    else if (!Set.of("Cluster", "Local").contains(s.getInternalTrafficPolicy()))
      errs.add("spec.internalTrafficPolicy: Unsupported value: \"" + s.getInternalTrafficPolicy() + "\": supported values: \"Cluster\", \"Local\"");
    if (s.getHealthCheckNodePort() != null && s.getHealthCheckNodePort() == 0) s.setHealthCheckNodePort(null);
    if (s.getHealthCheckNodePort() != null && !needsHealthCheckNodePort(s))
      errs.add("spec.healthCheckNodePort: Invalid value: " + s.getHealthCheckNodePort()
          + ": may only be set when `type` is 'LoadBalancer' or 'NodePort' and `externalTrafficPolicy` is 'Local'");
    if (s.getSessionAffinity() == null || s.getSessionAffinity().isEmpty()) s.setSessionAffinity("None");
    if (s.getSessionAffinity().equals("ClientIP")) {
      var cfg = s.getSessionAffinityConfig();
      Integer t = cfg == null || cfg.getClientIP() == null ? null : cfg.getClientIP().getTimeoutSeconds();
      if (t == null) t = DEFAULT_AFFINITY_SECONDS;
      if (t < 1 || t > 86400) errs.add("spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: " + t + ": must be greater than 0 and less than 86400");
      s.setSessionAffinityConfig(new SessionAffinityConfigBuilder().withNewClientIP().withTimeoutSeconds(t).endClientIP().build());
    } else if (!s.getSessionAffinity().equals("None")) {
      errs.add("spec.sessionAffinity: Unsupported value: \"" + s.getSessionAffinity() + "\": supported values: \"ClientIP\", \"None\"");
    } else if (s.getSessionAffinityConfig() != null) {
      errs.add("spec.sessionAffinityConfig: Invalid value: must not be set when `sessionAffinity` is None");
    }
    for (String ip : s.getExternalIPs() == null ? List.<String>of() : s.getExternalIPs())
      if (Ipv4Range.tryParse(ip) == null) errs.add("spec.externalIPs: Invalid value: \"" + ip + "\": must be a valid IPv4 address");
    if (s.getType().equals("LoadBalancer")) {
      if (s.getAllocateLoadBalancerNodePorts() == null) s.setAllocateLoadBalancerNodePorts(true);
      String lbIp = s.getLoadBalancerIP();
      if (lbIp != null && !lbIp.isEmpty() && (ranges.loadBalancerPool() == null || !ranges.loadBalancerPool().contains(lbIp)))
        errs.add("spec.loadBalancerIP: Invalid value: \"" + lbIp + "\": not in the load-balancer pool "
            + (ranges.loadBalancerPool() == null ? "(none configured)" : ranges.loadBalancerPool().text()));
      List<String> sourceRanges = s.getLoadBalancerSourceRanges() == null ? List.of() : s.getLoadBalancerSourceRanges();
      for (int i = 0; i < sourceRanges.size(); i++)
        if (!isCidr(sourceRanges.get(i)))
          errs.add("spec.loadBalancerSourceRanges[" + i + "]: Invalid value: \"" + sourceRanges.get(i)
              + "\": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24");
    } else {
      if (s.getLoadBalancerSourceRanges() != null && !s.getLoadBalancerSourceRanges().isEmpty())
        errs.add("spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'");
      if (s.getAllocateLoadBalancerNodePorts() != null) errs.add("spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'");
      if (s.getLoadBalancerIP() != null && !s.getLoadBalancerIP().isEmpty()) errs.add("spec.loadBalancerIP: Forbidden: may only be used when `type` is 'LoadBalancer'");
    }
    if (!errs.isEmpty()) throw rejected(svc, errs);
  }

  /** An IPv4 or IPv6 CIDR as the apiserver accepts it (host bits may be set); no DNS. */
  static boolean isCidr(String v) {
    int slash = v == null ? -1 : v.indexOf('/');
    if (slash <= 0) return false;
    String addr = v.substring(0, slash).strip(), len = v.substring(slash + 1).strip();
    if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) return false;
    int bits = Integer.parseInt(len);
    if (Ipv4Range.tryParse(addr) != null) return bits <= 32;
    try {
      return addr.contains(":") && java.net.InetAddress.ofLiteral(addr) instanceof java.net.Inet6Address && bits <= 128;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static ServiceRejectedException rejected(Service svc, List<String> errs) {
    return new ServiceRejectedException("The Service \"" + svc.getMetadata().getName() + "\" is invalid: " + String.join("; ", errs));
  }
}
