package dev.weft.proxy.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything one node's proxy programs: every Service port and its endpoints, sorted so that the
 * rules generated from a model are deterministic (golden files, diffs between syncs).
 */
public record ProxyModel(SortedMap<ServicePortName, ServicePort> services, SortedMap<ServicePortName, List<Endpoint>> endpoints) {
  public ProxyModel {
    services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
    TreeMap<ServicePortName, List<Endpoint>> eps = new TreeMap<>();
    endpoints.forEach((k, v) -> eps.put(k, List.copyOf(v)));
    endpoints = Collections.unmodifiableSortedMap(eps);
  }

  public static ProxyModel empty() {
    return new ProxyModel(new TreeMap<>(), new TreeMap<>());
  }

  public List<Endpoint> endpointsOf(ServicePortName id) {
    return endpoints.getOrDefault(id, List.of());
  }

  public static ProxyModel of(Map<ServicePortName, ServicePort> services, Map<ServicePortName, List<Endpoint>> endpoints) {
    return new ProxyModel(new TreeMap<>(services), new TreeMap<>(endpoints));
  }
}
