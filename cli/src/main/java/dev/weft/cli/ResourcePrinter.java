package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * {@code weft get} output, as kubectl prints it: tables ({@code NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE} for
 * Services, plus {@code ENDPOINTS} last — the ready endpoints' {@code ip:port}, at most three and
 * {@code + N more...}, as {@code kubectl get endpoints} shows them; {@code NAME ADDRESSTYPE PORTS ENDPOINTS AGE}
 * for EndpointSlices), and {@code -o json|yaml}: a {@code v1 List} ({@code "metadata":{"resourceVersion":""}}) of
 * the stored objects, or the object itself when one was named.
 */
final class ResourcePrinter {
  private static final KubernetesSerialization SERIAL = new KubernetesSerialization();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)).enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ResourcePrinter() {}

  static JsonNode tree(HasMetadata o) {
    try {
      return JSON.readTree(SERIAL.asJson(o));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** kubectl's {@code -o json|yaml} of a list of objects (a {@code List}) or of one. */
  static String structured(List<? extends HasMetadata> objects, boolean single, String format) {
    JsonNode root;
    if (single) {
      root = tree(objects.getFirst());
    } else {
      ObjectNode list = JSON.createObjectNode();
      list.put("apiVersion", "v1");
      ArrayNode items = list.putArray("items");
      for (HasMetadata o : objects) items.add(tree(o));
      list.put("kind", "List");
      list.putObject("metadata").put("resourceVersion", "");
      root = list;
    }
    if (format.equals("json")) return GoJson.write(root) + "\n";
    try {
      return YAML.writeValueAsString(JSON.treeToValue(root, Object.class));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------------------------ tables

  static String servicesTable(List<Service> services, Map<String, List<EndpointSlice>> slicesByService, boolean withNamespace, boolean kindPrefix) {
    List<String[]> rows = new ArrayList<>();
    rows.add(header(withNamespace, "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "ENDPOINTS"));
    for (Service s : services) {
      String key = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
      rows.add(row(withNamespace, s, (kindPrefix ? "service/" : "") + s.getMetadata().getName(), type(s), clusterIp(s), externalIp(s), ports(s),
          age(s), endpoints(slicesByService.getOrDefault(key, List.of()))));
    }
    return table(rows);
  }

  static String slicesTable(List<EndpointSlice> slices, boolean withNamespace, boolean kindPrefix) {
    List<String[]> rows = new ArrayList<>();
    rows.add(header(withNamespace, "NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"));
    for (EndpointSlice s : slices) {
      List<String> ports = s.getPorts().stream().map(p -> String.valueOf(p.getPort())).toList();
      List<String> addrs = new ArrayList<>();
      s.getEndpoints().forEach(e -> addrs.addAll(e.getAddresses()));
      rows.add(row(withNamespace, s, (kindPrefix ? "endpointslice.discovery.k8s.io/" : "") + s.getMetadata().getName(), s.getAddressType(),
          ports.isEmpty() ? "<unset>" : String.join(",", ports), addrs.isEmpty() ? "<unset>" : firstThree(addrs), age(s)));
    }
    return table(rows);
  }

  private static String[] header(boolean ns, String... cols) {
    if (!ns) return cols;
    String[] r = new String[cols.length + 1];
    r[0] = "NAMESPACE";
    System.arraycopy(cols, 0, r, 1, cols.length);
    return r;
  }

  private static String[] row(boolean ns, HasMetadata o, String... cols) {
    if (!ns) return cols;
    String[] r = new String[cols.length + 1];
    r[0] = o.getMetadata().getNamespace();
    System.arraycopy(cols, 0, r, 1, cols.length);
    return r;
  }

  static String type(Service s) {
    return s.getSpec().getType() == null ? "ClusterIP" : s.getSpec().getType();
  }

  static String clusterIp(Service s) {
    String ip = s.getSpec().getClusterIP();
    return ip == null || ip.isEmpty() ? "<none>" : ip;
  }

  /** kubectl's getServiceExternalIP. */
  static String externalIp(Service s) {
    List<String> ext = s.getSpec().getExternalIPs() == null ? List.of() : s.getSpec().getExternalIPs();
    switch (type(s)) {
      case "ClusterIP", "NodePort" -> {
        return ext.isEmpty() ? "<none>" : String.join(",", ext);
      }
      case "LoadBalancer" -> {
        List<String> lb = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null)
          for (var ing : s.getStatus().getLoadBalancer().getIngress()) lb.add(ing.getIp() != null ? ing.getIp() : ing.getHostname());
        lb.addAll(ext);
        return lb.isEmpty() ? "<pending>" : String.join(",", lb);
      }
      case "ExternalName" -> {
        return s.getSpec().getExternalName();
      }
      default -> {
        return "<unknown>";
      }
    }
  }

  static String ports(Service s) {
    List<String> out = new ArrayList<>();
    for (ServicePort p : s.getSpec().getPorts() == null ? List.<ServicePort>of() : s.getSpec().getPorts())
      out.add(p.getNodePort() != null && p.getNodePort() > 0 ? p.getPort() + ":" + p.getNodePort() + "/" + p.getProtocol() : p.getPort() + "/" + p.getProtocol());
    return out.isEmpty() ? "<none>" : String.join(",", out);
  }

  /** Ready endpoints as {@code ip:port} per port, like {@code kubectl get endpoints}. */
  static String endpoints(Collection<EndpointSlice> slices) {
    List<String> out = new ArrayList<>();
    for (EndpointSlice sl : slices)
      for (EndpointPort p : sl.getPorts())
        for (var e : sl.getEndpoints())
          if (e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady()))
            for (String a : e.getAddresses()) out.add(a + ":" + p.getPort());
    return out.isEmpty() ? "<none>" : firstThree(out);
  }

  private static String firstThree(List<String> items) {
    if (items.size() <= 3) return String.join(",", items);
    return String.join(",", items.subList(0, 3)) + " + " + (items.size() - 3) + " more...";
  }

  static String age(HasMetadata o) {
    String t = o.getMetadata().getCreationTimestamp();
    if (t == null) return "<unknown>";
    return humanDuration(Duration.between(Instant.parse(t), Instant.now()));
  }

  /** k8s.io/apimachinery's duration.HumanDuration. */
  static String humanDuration(Duration d) {
    long seconds = d.toSeconds();
    if (seconds < -1) return "<invalid>";
    if (seconds < 0) return "0s";
    if (seconds < 120) return seconds + "s";
    long minutes = d.toMinutes();
    if (minutes < 10) return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + (seconds % 60) + "s";
    if (minutes < 180) return minutes + "m";
    long hours = d.toHours();
    if (hours < 8) return minutes % 60 == 0 ? hours + "h" : hours + "h" + (minutes % 60) + "m";
    if (hours < 48) return hours + "h";
    if (hours < 24 * 8) return hours % 24 == 0 ? hours / 24 + "d" : hours / 24 + "d" + (hours % 24) + "h";
    if (hours < 24 * 365 * 2) return hours / 24 + "d";
    if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }

  /** Columns separated by three spaces (kubectl's tabwriter padding). */
  static String table(List<String[]> rows) {
    int[] w = new int[rows.getFirst().length];
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    StringBuilder s = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].length() + 3));
      }
      s.append(line.toString().stripTrailing()).append('\n');
    }
    return s.toString();
  }
}
