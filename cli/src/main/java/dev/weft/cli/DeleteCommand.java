package dev.weft.cli;

import dev.weft.lab.LabException;
import dev.weft.lab.services.ServiceApplier;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code weft delete service NAME... [-n NS]}: removes Services and frees their ClusterIP, NodePorts and ingress IPs. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete Services (their IPs and ports are freed; the EndpointSlice controller removes their slices).")
public final class DeleteCommand implements Callable<Integer> {
  @Mixin StoreOptions cluster;

  @Parameters(index = "0", paramLabel = "RESOURCE", description = "service (svc)") String resource;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "NAME") List<String> names;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", defaultValue = "default", description = "namespace (default: ${DEFAULT-VALUE})") String namespace;

  @Override
  public Integer call() throws Exception {
    if (!GetCommand.kind(resource).equals("services")) throw new LabException("weft delete takes services (EndpointSlices follow their Service)");
    return cluster.run(c -> {
      ServiceApplier applier = new ServiceApplier(c.store(), c.ranges());
      int rc = 0;
      for (String n : names) {
        if (applier.delete(namespace, n)) {
          System.out.println("service \"" + n + "\" deleted");
        } else {
          System.err.println("Error from server (NotFound): services \"" + n + "\" not found");
          rc = 1;
        }
      }
      return rc;
    });
  }
}
