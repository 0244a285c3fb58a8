package dev.weft.bench.services;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The benchmark's service models (pure): {@code n} TCP service ports of 10 endpoints each.
 *
 * <ul>
 *   <li>The <b>target</b> service ({@code zz-bench/target:http}, ClusterIP {@value #TARGET_VIP}:80)
 *       is the one the latency probe connects to; its endpoints are the topology's real pods
 *       ({@link #podIp}) on port {@value #POD_PORT}. Its name sorts last, so in iptables'
 *       {@code WEFT-SERVICES} chain its rule comes after every other service's: the worst case of the
 *       linear walk.
 *   <li>The other {@code n-1} are <b>background</b> services: ClusterIPs from 10.96.1.0 up, every tenth
 *       with a NodePort, endpoints that exist only in the model (10.128.0.0/10, "node-2").
 * </ul>
 */
public final class ServiceModels {
  private ServiceModels() {}

  public static final String TARGET_VIP = "10.96.0.10";
  public static final int TARGET_PORT = 80, POD_PORT = 8080, ENDPOINTS = 10;
  public static final ServicePortName TARGET = new ServicePortName("zz-bench", "target", "http", Protocol.TCP);
  /** The node the rules run on: node-1, address 192.168.50.1, cluster 10.244.0.0/16, its pods 10.244.1.0/24. */
  public static final NodeContext NODE = new NodeContext("node-1", List.of(IpPrefix.parseAddress("192.168.50.1")),
      IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.244.1.0/24"));
  public static final String NODE_IP = "192.168.50.1", GATEWAY = "10.244.1.1", CLIENT_IP = "10.244.1.2";

  /** The address of real endpoint pod {@code i} (0..9): 10.244.1.10 + i. */
  public static String podIp(int i) {
    return "10.244.1." + (10 + i);
  }

  /** A model of {@code n} ≥ 1 service ports and its maps, so one-service variants are cheap to derive. */
  public record Shape(int n, Map<ServicePortName, ServicePort> services, Map<ServicePortName, List<Endpoint>> endpoints) {
    public ProxyModel model() {
      return ProxyModel.of(services, endpoints);
    }

    /**
     * The model with one service's endpoints changed (its last endpoint replaced by another address):
     * background service {@code k % (n-1)}, or the target when {@code n == 1} (its 10th endpoint then
     * points at an address no pod has — only for the update phase, never while latency is measured).
     */
    public ProxyModel withOneChanged(int k) {
      ServicePortName id = changedService(k);
      List<Endpoint> eps = new ArrayList<>(endpoints.get(id));
      Endpoint last = eps.getLast();
      InetAddress moved = n == 1 ? IpPrefix.parseAddress("10.244.1.99") : background(ENDPOINTS * (n + k % 997));
      eps.set(eps.size() - 1, new Endpoint(moved, last.port(), last.nodeName(), true, true, false));
      Map<ServicePortName, List<Endpoint>> e2 = new TreeMap<>(endpoints);
      e2.put(id, eps);
      return ProxyModel.of(services, e2);
    }

    /** Which service {@link #withOneChanged} changes. */
    public ServicePortName changedService(int k) {
      return n == 1 ? TARGET : backgroundName(Math.floorMod(k, n - 1));
    }
  }

  public static Shape shape(int n) {
    if (n < 1) throw new IllegalArgumentException("n must be ≥ 1");
    if (n - 1 > 65_000) throw new IllegalArgumentException("at most 65 001 services");
    Map<ServicePortName, ServicePort> services = new TreeMap<>();
    Map<ServicePortName, List<Endpoint>> endpoints = new TreeMap<>();
    for (int i = 0; i < n - 1; i++) {
      ServicePortName id = backgroundName(i);
      InetAddress vip = fromInt(0x0A600100 + i); // 10.96.1.0 + i
      services.put(id, new ServicePort(id, List.of(vip), 80, i % 10 == 0 ? 30000 + i / 10 : 0, List.of(), List.of(),
          TrafficPolicy.CLUSTER, TrafficPolicy.CLUSTER, null, 0));
      List<Endpoint> eps = new ArrayList<>(ENDPOINTS);
      for (int e = 0; e < ENDPOINTS; e++) eps.add(new Endpoint(background(i * ENDPOINTS + e), POD_PORT, "node-2", true, true, false));
      endpoints.put(id, eps);
    }
    services.put(TARGET, new ServicePort(TARGET, List.of(IpPrefix.parseAddress(TARGET_VIP)), TARGET_PORT, 0, List.of(), List.of(),
        TrafficPolicy.CLUSTER, TrafficPolicy.CLUSTER, null, 0));
    List<Endpoint> eps = new ArrayList<>(ENDPOINTS);
    for (int e = 0; e < ENDPOINTS; e++) eps.add(new Endpoint(IpPrefix.parseAddress(podIp(e)), POD_PORT, "node-1", true, true, false));
    endpoints.put(TARGET, eps);
    return new Shape(n, services, endpoints);
  }

  static ServicePortName backgroundName(int i) {
    return new ServicePortName("ns" + (i % 50), "svc-" + i, "http", Protocol.TCP);
  }

  /** Background endpoint address number {@code h}: 10.128.0.0 + h. */
  static InetAddress background(int h) {
    return fromInt(0x0A800000 + h);
  }

  static InetAddress fromInt(int v) {
    return IpPrefix.fromBytes(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
  }
}
