package dev.weft.cli;

import dev.weft.lab.LabException;
import dev.weft.lab.services.EndpointSlicePlan;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft get services|endpointslices[,...] [NAME] [-o json|yaml] [-n NS | -A]}, as kubectl: a table, or the
 * stored objects as a {@code v1 List} (one named object: the object itself). The endpoints of Services are in the
 * table's ENDPOINTS column; for scripts, {@code weft get services,endpointslices -o json} gives both kinds in one
 * List, exactly as kubectl would.
 */
@Command(name = "get", mixinStandardHelpOptions = true, description = {"Show Services and EndpointSlices (kubectl-style).",
    "RESOURCE: services (svc), endpointslices, or both comma-separated."})
public final class GetCommand implements Callable<Integer> {
  @Mixin StoreOptions cluster;

  @Parameters(index = "0", paramLabel = "RESOURCE") String resource;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME") String name;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json or yaml (default: a table)") String output;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default", description = "namespace (default: ${DEFAULT-VALUE})") String namespace;

  @Option(names = {"-A", "--all-namespaces"}, description = "every namespace") boolean all;

  @Override
  public Integer call() throws Exception {
    List<String> kinds = new ArrayList<>();
    for (String r : resource.split(",")) kinds.add(kind(r));
    if (output != null && !output.equals("json") && !output.equals("yaml"))
      throw new LabException("unknown output format '" + output + "' (json or yaml; default: a table)");
    if (name != null && (all || kinds.size() > 1)) throw new LabException("a NAME goes with one resource kind in one namespace");
    return cluster.run(c -> {
      String ns = all ? null : namespace;
      List<Service> services = new ArrayList<>();
      List<EndpointSlice> slices = new ArrayList<>();
      if (kinds.contains("services")) {
        if (name != null) c.store().get(Service.class, ns, name).ifPresent(services::add);
        else services.addAll(c.store().list(Service.class, ns));
      }
      boolean needSlices = kinds.contains("endpointslices") || (kinds.contains("services") && output == null);
      List<EndpointSlice> allSlices = needSlices ? new ArrayList<>(c.store().list(EndpointSlice.class, ns)) : List.of();
      if (kinds.contains("endpointslices")) {
        for (EndpointSlice s : allSlices) if (name == null || name.equals(s.getMetadata().getName())) slices.add(s);
      }
      Comparator<HasMetadata> order = Comparator.comparing((HasMetadata o) -> o.getMetadata().getNamespace()).thenComparing(o -> o.getMetadata().getName());
      services.sort(order);
      slices.sort(order);
      if (name != null && services.isEmpty() && slices.isEmpty()) {
        System.err.println("Error from server (NotFound): " + kinds.getFirst() + (kinds.getFirst().equals("endpointslices") ? ".discovery.k8s.io" : "")
            + " \"" + name + "\" not found");
        return 1;
      }
      if (output != null) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String k : kinds) objects.addAll(k.equals("services") ? services : slices);
        System.out.print(ResourcePrinter.structured(objects, name != null, output));
        return 0;
      }
      Map<String, List<EndpointSlice>> byService = new HashMap<>();
      for (EndpointSlice s : allSlices) {
        String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(EndpointSlicePlan.SERVICE_NAME_LABEL);
        if (svc != null) byService.computeIfAbsent(s.getMetadata().getNamespace() + "/" + svc, k -> new ArrayList<>()).add(s);
      }
      boolean prefix = kinds.size() > 1;
      StringBuilder out = new StringBuilder();
      for (String k : kinds) {
        boolean empty = k.equals("services") ? services.isEmpty() : slices.isEmpty();
        if (empty) continue;
        if (!out.isEmpty()) out.append('\n');
        out.append(k.equals("services") ? ResourcePrinter.servicesTable(services, byService, all, prefix) : ResourcePrinter.slicesTable(slices, all, prefix));
      }
      if (out.isEmpty()) System.err.println(all ? "No resources found" : "No resources found in " + namespace + " namespace.");
      System.out.print(out);
      return 0;
    });
  }

  static String kind(String r) {
    return switch (r.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "services", "service", "svc" -> "services";
      case "endpointslices", "endpointslice", "endpointslices.discovery.k8s.io" -> "endpointslices";
      default -> throw new LabException("the server doesn't have a resource type \"" + r + "\" (weft knows services and endpointslices)");
    };
  }
}
