package dev.weft.proxy;

import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.TrafficPolicy;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Which endpoints each kind of traffic may use (kube-proxy's CategorizeEndpoints), a pure function
 * both backends share. Ready endpoints are used; when none is ready, serving-and-terminating ones
 * are (so connections drain during a rolling update instead of failing). Local policies restrict
 * to this node's endpoints, with the same fallback among them.
 */
public final class EndpointSelection {
  private EndpointSelection() {}

  /**
   * @param cluster endpoints for traffic to the ClusterIP (internalTrafficPolicy applied)
   * @param external endpoints for NodePort / externalIP / LoadBalancer traffic (externalTrafficPolicy
   *     applied); empty when the service has no external entry
   * @param all every endpoint that appears in either list (each gets its own rules)
   */
  public record Choice(List<Endpoint> cluster, List<Endpoint> external, List<Endpoint> all) {}

  public static Choice choose(ServicePort svc, List<Endpoint> endpoints, String nodeName) {
    List<Endpoint> clusterWide = usable(endpoints, e -> true);
    List<Endpoint> local = usable(endpoints, e -> Objects.equals(e.nodeName(), nodeName));
    List<Endpoint> cluster = svc.internalPolicy() == TrafficPolicy.LOCAL ? local : clusterWide;
    List<Endpoint> external = !svc.hasExternal() ? List.of()
        : svc.externalPolicy() == TrafficPolicy.LOCAL ? local : clusterWide;
    List<Endpoint> all = new java.util.ArrayList<>(cluster);
    for (Endpoint e : external) if (!all.contains(e)) all.add(e);
    // external Local also keeps pod-originated and node-originated traffic on the cluster set
    if (svc.externalPolicy() == TrafficPolicy.LOCAL && svc.hasExternal())
      for (Endpoint e : clusterWide) if (!all.contains(e)) all.add(e);
    return new Choice(cluster, external, List.copyOf(all));
  }

  /** Ready ones among those matching; if there are none, serving-and-terminating ones. */
  static List<Endpoint> usable(List<Endpoint> endpoints, Predicate<Endpoint> where) {
    List<Endpoint> ready = endpoints.stream().filter(where).filter(Endpoint::ready).toList();
    if (!ready.isEmpty()) return ready;
    return endpoints.stream().filter(where).filter(e -> e.serving() && e.terminating()).toList();
  }
}
