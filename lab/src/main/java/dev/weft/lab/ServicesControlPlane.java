package dev.weft.lab;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.LibC;
import dev.weft.kernel.Route;
import dev.weft.kernel.Rtnl;
import dev.weft.lab.services.EndpointSliceController;
import dev.weft.lab.services.Ipv4Range;
import dev.weft.lab.services.ServiceApplier;
import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The lab's Services control plane, run by the {@link Supervisor} once etcd answers: the
 * {@link EndpointSliceController} (slices from Services and the lab's registered Pods), the allocation repair
 * ({@link ServiceApplier#repair} every minute: records for Services written to etcd directly, and records no Service
 * uses, older than two minutes, freed), and the
 * external client's routes to LoadBalancer ingress IPs.
 *
 * <p>Ingress IPs come from the lab pool on the underlay subnet ({@link LabConfig#lbPool}). Until the lb-speaker
 * announces them, {@code ext} reaches each one through a {@code /32} route via a node's underlay address, the way a
 * router with static routes would (nothing answers ARP for these addresses on the underlay; the route makes ext send
 * straight to a node, whose proxy rules take the packet). The node: for {@code externalTrafficPolicy: Local}, the
 * first node (by name) with a ready endpoint of the Service, so the client's address is kept and an endpoint is
 * there; otherwise a node picked by hashing the IP, spreading Services over the nodes. Only {@code /32} routes inside
 * the pool are touched.
 */
final class ServicesControlPlane implements AutoCloseable {
  private static final long REPAIR_MILLIS = 60_000, REPAIR_GRACE_SECONDS = 120;

  private final LabConfig cfg;
  private final ClusterStore store;
  private final EndpointSliceController slices;
  private final ServiceApplier applier;
  private long nextRepair = System.currentTimeMillis() + REPAIR_MILLIS;

  ServicesControlPlane(LabConfig cfg) {
    this.cfg = cfg;
    this.store = ClusterStores.open(StoreConfig.etcd(List.of(cfg.etcdEndpoint()), LabConfig.ETCD_PREFIX));
    this.slices = new EndpointSliceController(store, Duration.ofSeconds(30), Supervisor::log);
    this.applier = new ServiceApplier(store, cfg.serviceRanges());
    slices.start();
  }

  EndpointSliceController slices() {
    return slices;
  }

  /** Periodic work of the supervisor's probe loop. */
  void tick(Rtnl ext) {
    if (System.currentTimeMillis() >= nextRepair) {
      nextRepair = System.currentTimeMillis() + REPAIR_MILLIS;
      try {
        int n = applier.repair(REPAIR_GRACE_SECONDS);
        if (n > 0) Supervisor.log("services: allocation repair created or freed " + n + " records");
      } catch (RuntimeException e) {
        Supervisor.log("services: allocation repair: " + e.getMessage());
      }
    }
    if (ext != null && slices.synced()) syncIngressRoutes(ext);
  }

  private void syncIngressRoutes(Rtnl ext) {
    Ipv4Range pool = cfg.serviceRanges().loadBalancerPool();
    Map<String, String> desired = new TreeMap<>();
    for (Service s : slices.services()) {
      if (s.getStatus() == null || s.getStatus().getLoadBalancer() == null) continue;
      for (var ing : s.getStatus().getLoadBalancer().getIngress()) {
        if (ing.getIp() == null || !pool.contains(ing.getIp())) continue;
        desired.put(ing.getIp(), nodeFor(s, ing.getIp()));
      }
    }
    Map<String, String> actual = new HashMap<>();
    for (Route r : ext.routes(LibC.AF_INET, Route.TABLE_MAIN)) {
      if (r.dst() == null || r.gateway() == null || r.dst().prefixLength() != 32) continue;
      String ip = IpPrefix.format(r.dst().address());
      if (pool.contains(ip)) actual.put(ip, IpPrefix.format(r.gateway()));
    }
    for (var e : desired.entrySet()) {
      if (e.getValue().equals(actual.get(e.getKey()))) continue;
      ext.replaceRoute(Route.builder().dst(e.getKey() + "/32").gateway(e.getValue()).build());
      Supervisor.log("ext: route " + e.getKey() + "/32 via " + e.getValue() + " (LoadBalancer ingress)");
    }
    for (var e : actual.entrySet()) {
      if (desired.containsKey(e.getKey())) continue;
      ext.deleteRoute(Route.builder().dst(e.getKey() + "/32").gateway(e.getValue()).build());
      Supervisor.log("ext: removed route " + e.getKey() + "/32 via " + e.getValue());
    }
  }

  private String nodeFor(Service s, String ip) {
    List<LabConfig.Node> nodes = cfg.nodes();
    if ("Local".equals(s.getSpec().getExternalTrafficPolicy())) {
      TreeMap<String, LabConfig.Node> withEndpoint = new TreeMap<>();
      for (EndpointSlice sl : slices.slices(s.getMetadata().getNamespace(), s.getMetadata().getName()))
        for (var e : sl.getEndpoints())
          if (e.getNodeName() != null && cfg.hasNode(e.getNodeName()) && (e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady())))
            withEndpoint.put(e.getNodeName(), cfg.node(e.getNodeName()));
      if (!withEndpoint.isEmpty()) return withEndpoint.firstEntry().getValue().underlayIp();
    }
    return nodes.get((int) (Ipv4Range.toLong(ip) % nodes.size())).underlayIp();
  }

  @Override
  public void close() {
    slices.close();
    store.close();
  }
}
