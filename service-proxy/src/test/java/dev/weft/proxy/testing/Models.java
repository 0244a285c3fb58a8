package dev.weft.proxy.testing;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Concise {@link ProxyModel}s for tests:
 * <pre>
 *   ProxyModel m = Models.of(
 *       Models.tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).ready("10.244.1.2", 80, "node-1"),
 *       Models.udp("kube-system/dns:dns", "10.96.0.53", 53).ready("10.244.1.3", 5353, "node-1"));
 * </pre>
 * Service ids are "namespace/name:portName" (portName may be empty: "default/web:").
 */
public final class Models {
  private Models() {}

  public static Svc tcp(String id, String clusterIp, int port) {
    return new Svc(id, Protocol.TCP, clusterIp, port);
  }

  public static Svc udp(String id, String clusterIp, int port) {
    return new Svc(id, Protocol.UDP, clusterIp, port);
  }

  public static Svc sctp(String id, String clusterIp, int port) {
    return new Svc(id, Protocol.SCTP, clusterIp, port);
  }

  public static ProxyModel of(Svc... services) {
    return of(List.of(services));
  }

  public static ProxyModel of(List<Svc> services) {
    Map<ServicePortName, ServicePort> s = new TreeMap<>();
    Map<ServicePortName, List<Endpoint>> e = new TreeMap<>();
    for (Svc b : services) {
      ServicePort sp = b.build();
      s.put(sp.id(), sp);
      if (!b.endpoints.isEmpty()) e.put(sp.id(), List.copyOf(b.endpoints));
    }
    return ProxyModel.of(s, e);
  }

  /** "default/web:http" + protocol. */
  public static ServicePortName name(String id, Protocol protocol) {
    int slash = id.indexOf('/'), colon = id.indexOf(':', slash + 1);
    if (slash < 0) throw new IllegalArgumentException("id must be namespace/name[:port]: " + id);
    String name = colon < 0 ? id.substring(slash + 1) : id.substring(slash + 1, colon);
    String port = colon < 0 ? "" : id.substring(colon + 1);
    return new ServicePortName(id.substring(0, slash), name, port, protocol);
  }

  public static InetAddress addr(String ip) {
    return IpPrefix.parseAddress(ip);
  }

  /** One service port being built. */
  public static final class Svc {
    private final ServicePortName id;
    private final List<InetAddress> clusterIps = new ArrayList<>();
    private final int port;
    private int nodePort;
    private final List<InetAddress> externalIps = new ArrayList<>();
    private final List<InetAddress> lbIps = new ArrayList<>();
    private TrafficPolicy etp = TrafficPolicy.CLUSTER, itp = TrafficPolicy.CLUSTER;
    private Duration affinity;
    private int hcPort;
    private final List<IpPrefix> sourceRanges = new ArrayList<>();
    final List<Endpoint> endpoints = new ArrayList<>();

    Svc(String id, Protocol protocol, String clusterIp, int port) {
      this.id = name(id, protocol);
      if (clusterIp != null) clusterIps.add(addr(clusterIp));
      this.port = port;
    }

    public ServicePortName id() {
      return id;
    }

    public Svc nodePort(int p) {
      nodePort = p;
      return this;
    }

    public Svc externalIp(String ip) {
      externalIps.add(addr(ip));
      return this;
    }

    public Svc loadBalancerIp(String ip) {
      lbIps.add(addr(ip));
      return this;
    }

    /** A loadBalancerSourceRanges entry, "10.0.0.0/8" (as the translator keeps it: the network). */
    public Svc sourceRange(String cidr) {
      sourceRanges.add(IpPrefix.parse(cidr).network());
      return this;
    }

    public Svc externalLocal() {
      etp = TrafficPolicy.LOCAL;
      return this;
    }

    public Svc internalLocal() {
      itp = TrafficPolicy.LOCAL;
      return this;
    }

    public Svc affinity(Duration timeout) {
      affinity = timeout;
      return this;
    }

    public Svc healthCheckNodePort(int p) {
      hcPort = p;
      return this;
    }

    /** A ready endpoint. */
    public Svc ready(String ip, int port, String node) {
      endpoints.add(new Endpoint(addr(ip), port, node, true, true, false));
      return this;
    }

    /** Serving and terminating (not ready): used only when no endpoint is ready. */
    public Svc terminating(String ip, int port, String node) {
      endpoints.add(new Endpoint(addr(ip), port, node, false, true, true));
      return this;
    }

    /** Neither ready nor serving: never used. */
    public Svc notReady(String ip, int port, String node) {
      endpoints.add(new Endpoint(addr(ip), port, node, false, false, false));
      return this;
    }

    public ServicePort build() {
      return new ServicePort(id, clusterIps, port, nodePort, externalIps, lbIps, etp, itp, affinity, hcPort, sourceRanges);
    }
  }
}
