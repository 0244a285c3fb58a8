package dev.weft.lab.services;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes manifests as {@code kubectl apply -f} reads them: YAML (one or many {@code ---} documents) or JSON;
 * {@code kind: Service}, or {@code List} / {@code ServiceList} of them (nested lists too). Any other kind is an
 * error naming it and where it is; nothing is returned unless every document is a Service.
 */
public final class ManifestReader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final KubernetesSerialization SERIAL = new KubernetesSerialization();

  private ManifestReader() {}

  /** {@code source} names the input in messages (a file name, or "stdin"). */
  public static List<Service> services(String text, String source) {
    List<Service> out = new ArrayList<>();
    int doc = 0;
    try (JsonParser p = YAML.getFactory().createParser(text); MappingIterator<JsonNode> it = YAML.readValues(p, JsonNode.class)) {
      while (it.hasNextValue()) {
        JsonNode n = it.nextValue();
        doc++;
        if (n == null || n.isNull() || n.isMissingNode() || (n.isObject() && n.isEmpty())) continue; // an empty document
        collect(n, source + ": document " + doc, out);
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ServiceRejectedException r) throw r;
      throw new ServiceRejectedException(source + ": not valid YAML or JSON: " + firstLine(e.getMessage()));
    }
    if (out.isEmpty()) throw new ServiceRejectedException(source + ": no Service in it");
    return out;
  }

  private static void collect(JsonNode n, String where, List<Service> out) {
    if (!n.isObject()) throw new ServiceRejectedException(where + ": not a Kubernetes object");
    String kind = n.path("kind").asText("");
    String api = n.path("apiVersion").asText("");
    switch (kind) {
      case "Service" -> {
        if (!api.equals("v1")) throw new ServiceRejectedException(where + ": Service with apiVersion '" + api + "' (expected v1)");
        Service s;
        try {
          s = SERIAL.convertValue(n, Service.class);
        } catch (RuntimeException e) {
          throw new ServiceRejectedException(where + ": not a valid Service: " + firstLine(e.getMessage()));
        }
        if (s.getMetadata() == null || s.getMetadata().getName() == null || s.getMetadata().getName().isEmpty())
          throw new ServiceRejectedException(where + ": Service has no metadata.name");
        out.add(s);
      }
      case "List", "ServiceList" -> {
        int i = 0;
        for (JsonNode item : n.path("items")) collect(item, where + ", item " + i++, out);
      }
      case "" -> throw new ServiceRejectedException(where + ": no kind (weft apply takes kind Service, or a List of them)");
      default -> throw new ServiceRejectedException(where + ": kind " + kind + (api.isEmpty() ? "" : " (" + api + ")")
          + " is not supported: weft apply takes kind Service, or a List of them");
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
