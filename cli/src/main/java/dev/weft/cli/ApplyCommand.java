package dev.weft.cli;

import dev.weft.lab.LabException;
import dev.weft.lab.services.ManifestReader;
import dev.weft.lab.services.ServiceApplier;
import dev.weft.lab.services.ServiceRejectedException;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft apply -f FILE|- [-n NS]}: stores Kubernetes Service manifests (one or many YAML documents, JSON,
 * {@code List}s), allocating what they do not give (see {@link ServiceApplier}). Prints kubectl's
 * {@code service/NAME created|configured|unchanged} per Service. Every document is read first: a kind other than
 * Service refuses the whole input, naming it. A Service that cannot be stored (invalid, a taken IP or port) is
 * reported and the others are still applied, as kubectl does; the exit code is then 1.
 *
 * <p>Apply replaces the stored spec with the manifest's (it is not kubectl's three-way merge), keeping what was
 * allocated: the ClusterIP, the NodePorts of ports that remain, the healthCheckNodePort and the ingress IP.
 */
@Command(name = "apply", mixinStandardHelpOptions = true, description = "Store Kubernetes Service manifests (ClusterIP, NodePort, LoadBalancer, externalIPs).")
public final class ApplyCommand implements Callable<Integer> {
  @Mixin StoreOptions cluster;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE", description = "manifest file(s), or - for stdin") List<String> files;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "namespace of manifests that name none (default: default)") String namespace;

  @Override
  public Integer call() throws Exception {
    // read inside run(): for a lab this runs in the re-executed child, which inherits stdin (for -f -)
    return cluster.run(c -> {
      List<Service> services = read();
      ServiceApplier applier = new ServiceApplier(c.store(), c.ranges());
      int rc = 0;
      for (Service s : services) {
        try {
          var r = applier.apply(s);
          System.out.println("service/" + s.getMetadata().getName() + " " + r.outcome().name().toLowerCase(Locale.ROOT));
        } catch (ServiceRejectedException e) {
          System.err.println("Error from server (Invalid): error when applying service/" + s.getMetadata().getName() + ": " + e.getMessage());
          rc = 1;
        }
      }
      return rc;
    });
  }

  private List<Service> read() {
    List<Service> services = new ArrayList<>();
    for (String f : files) {
      String text;
      try {
        text = f.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(f));
      } catch (IOException e) {
        throw new LabException("cannot read " + f + ": " + e.getMessage());
      }
      try {
        services.addAll(ManifestReader.services(text, f.equals("-") ? "stdin" : f));
      } catch (ServiceRejectedException e) {
        throw new LabException(e.getMessage());
      }
    }
    for (Service s : services) {
      String ns = s.getMetadata().getNamespace();
      if (ns != null && !ns.isEmpty() && namespace != null && !ns.equals(namespace))
        throw new LabException("the namespace from the provided object \"" + ns + "\" does not match the namespace \"" + namespace
            + "\". You must pass '--namespace=" + ns + "' to perform this operation.");
      if (ns == null || ns.isEmpty()) s.getMetadata().setNamespace(namespace == null ? "default" : namespace);
    }
    return services;
  }
}
