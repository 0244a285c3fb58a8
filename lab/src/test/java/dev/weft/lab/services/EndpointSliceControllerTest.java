package dev.weft.lab.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.store.ClusterStore;
import dev.weft.store.EtcdClusterStore;
import dev.weft.store.testing.EtcdServer;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link EndpointSliceController} on a real etcd: pods' labels, readiness and termination become slices (read with a
 * second, independent store client), a restarted controller repairs drift, a converged one writes nothing.
 */
class EndpointSliceControllerTest {
  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final ServiceRanges RANGES = new ServiceRanges(Ipv4Range.parse("10.96.0.0/12"), null, null);
  private final String prefix = "/e" + PREFIXES.incrementAndGet();
  private final List<AutoCloseable> open = new ArrayList<>();

  private ClusterStore store() {
    ClusterStore s = EtcdClusterStore.connect(List.of(ETCD.endpoint()), prefix, Duration.ofSeconds(10));
    open.add(s);
    return s;
  }

  private EndpointSliceController controller(ClusterStore st) {
    EndpointSliceController c = new EndpointSliceController(st, Duration.ofSeconds(30), System.out::println);
    c.start();
    open.add(0, c);
    return c;
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open) c.close();
  }

  /** A lab-like pod: one container with the responder's named ports. */
  static Pod pod(String name, String ip, String node, boolean ready, Map<String, String> labels) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace("default").withUid(UUID.nameUUIDFromBytes(name.getBytes()).toString()).withLabels(labels).endMetadata()
        .withNewSpec().withNodeName(node)
          .addNewContainer().withName("responder").withImage("x")
            .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(80).withProtocol("TCP").build(),
                new ContainerPortBuilder().withName("echo").withContainerPort(7).withProtocol("TCP").build(),
                new ContainerPortBuilder().withName("echo-udp").withContainerPort(7).withProtocol("UDP").build())
          .endContainer()
        .endSpec()
        .withNewStatus().withPhase("Running").withPodIP(ip)
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus()
        .build();
  }

  static final String WEB = """
      apiVersion: v1
      kind: Service
      metadata: {name: web, labels: {tier: front}}
      spec:
        selector: {app: web}
        ports:
        - {name: http, port: 80, targetPort: http}
        - {name: echo-udp, port: 7, protocol: UDP, targetPort: echo-udp}
      """;

  @Test
  void labelsReadinessAndTerminationBecomeSlices() throws Exception {
    ClusterStore writer = store(), reader = store();
    ServiceApplier apply = new ServiceApplier(writer, RANGES);
    writer.put(pod("a", "10.244.1.2", "node-1", true, Map.of("app", "web")));
    writer.put(pod("b", "10.244.2.2", "node-2", true, Map.of("app", "web")));
    writer.put(pod("c", "10.244.1.3", "node-1", false, Map.of("app", "web")));
    writer.put(pod("d", "10.244.1.4", "node-1", true, Map.of("app", "db")));
    Service web = apply.apply(ServiceApplierTest.svc(WEB)).service();
    controller(store());

    EndpointSlice s = await(reader, "web", sl -> sl.size() == 1 && endpoints(sl.getFirst()).size() == 3).getFirst();
    assertTrue(s.getMetadata().getName().matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}"), s.getMetadata().getName());
    assertEquals(Map.of("kubernetes.io/service-name", "web", "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.weft.dev",
        "tier", "front"), s.getMetadata().getLabels());
    assertEquals("IPv4", s.getAddressType());
    assertEquals(web.getMetadata().getUid(), s.getMetadata().getOwnerReferences().getFirst().getUid());
    assertEquals(List.of("http:80/TCP", "echo-udp:7/UDP"), s.getPorts().stream().map(p -> p.getName() + ":" + p.getPort() + "/" + p.getProtocol()).toList());
    assertEquals(Map.of("10.244.1.2", "a node-1 ready serving", "10.244.1.3", "c node-1", "10.244.2.2", "b node-2 ready serving"), endpoints(s));

    // readiness flips; a pod terminating stays serving but not ready; a relabelled pod leaves
    writer.put(pod("c", "10.244.1.3", "node-1", true, Map.of("app", "web")));
    Pod b = pod("b", "10.244.2.2", "node-2", true, Map.of("app", "web"));
    b.getMetadata().setDeletionTimestamp(Instant.now().toString());
    writer.put(b);
    writer.put(pod("a", "10.244.1.2", "node-1", true, Map.of("app", "other")));
    writer.put(pod("d", "10.244.1.4", "node-1", true, Map.of("app", "web")));
    s = await(reader, "web", sl -> endpoints(sl.getFirst()).equals(Map.of("10.244.1.3", "c node-1 ready serving",
        "10.244.1.4", "d node-1 ready serving", "10.244.2.2", "b node-2 serving terminating"))).getFirst();
    Endpoint e = s.getEndpoints().stream().filter(x -> x.getAddresses().getFirst().equals("10.244.2.2")).findFirst().orElseThrow();
    assertEquals("Pod", e.getTargetRef().getKind());
    assertEquals("b", e.getTargetRef().getName());
    assertEquals(b.getMetadata().getUid(), e.getTargetRef().getUid());

    // a pod without a port named echo-udp gets a slice of its own, without that port
    Pod plain = new PodBuilder(pod("e", "10.244.3.2", "node-3", true, Map.of("app", "web"))).editSpec().editFirstContainer()
        .withPorts(new ContainerPortBuilder().withName("http").withContainerPort(8080).withProtocol("TCP").build()).endContainer().endSpec().build();
    writer.put(plain);
    List<EndpointSlice> two = await(reader, "web", sl -> sl.size() == 2);
    EndpointSlice other = two.stream().filter(x -> x.getPorts().size() == 1).findFirst().orElseThrow();
    assertEquals("http:8080", other.getPorts().getFirst().getName() + ":" + other.getPorts().getFirst().getPort());
    assertEquals(Map.of("10.244.3.2", "e node-3 ready serving"), endpoints(other));

    // every pod gone: one empty placeholder; the service gone: no slice
    for (String p : List.of("a", "b", "c", "d", "e")) writer.delete(Pod.class, "default", p);
    EndpointSlice placeholder = await(reader, "web", sl -> sl.size() == 1 && sl.getFirst().getEndpoints().isEmpty()).getFirst();
    assertEquals(List.of(), placeholder.getPorts());
    apply.delete("default", "web");
    await(reader, "web", List::isEmpty);
  }

  @Test
  void restartedControllerRepairsDriftAndConvergedOneWritesNothing() throws Exception {
    ClusterStore writer = store(), reader = store();
    ServiceApplier apply = new ServiceApplier(writer, RANGES);
    writer.put(pod("a", "10.244.1.2", "node-1", true, Map.of("app", "web")));
    apply.apply(ServiceApplierTest.svc(WEB));
    apply.apply(ServiceApplierTest.svc(WEB.replace("name: web,", "name: api,")));
    EndpointSliceController first = controller(store());
    EndpointSlice web = await(reader, "web", sl -> sl.size() == 1 && endpoints(sl.getFirst()).size() == 1).getFirst();
    await(reader, "api", sl -> sl.size() == 1 && endpoints(sl.getFirst()).size() == 1);
    first.close();

    // while it is down: a slice edited by hand, one deleted, a Service deleted, a pod added, someone else's slice
    writer.update(new EndpointSliceBuilder(web).withEndpoints(List.of()).build());
    EndpointSlice api = reader.list(EndpointSlice.class, "default").stream().filter(x -> x.getMetadata().getName().startsWith("api-")).findFirst().orElseThrow();
    writer.put(pod("b", "10.244.2.2", "node-2", true, Map.of("app", "web")));
    apply.delete("default", "api");
    EndpointSlice foreign = new EndpointSliceBuilder().withNewMetadata().withName("api-manual").withNamespace("default")
        .withLabels(Map.of("kubernetes.io/service-name", "api")).endMetadata().withAddressType("IPv4").build();
    writer.create(foreign);

    EndpointSliceController second = controller(store());
    await(reader, "web", sl -> sl.size() == 1 && endpoints(sl.getFirst()).size() == 2);
    assertEquals(web.getMetadata().getName(), slices(reader, "web").getFirst().getMetadata().getName(), "same name after restart");
    await(reader, "api", sl -> sl.size() == 1 && sl.getFirst().getMetadata().getName().equals("api-manual"));
    assertTrue(reader.get(EndpointSlice.class, "default", api.getMetadata().getName()).isEmpty());

    // converged: nothing more is written (no resync in this window, events of its own writes are no-ops)
    Thread.sleep(300);
    long writes = second.writes();
    String rv = slices(reader, "web").getFirst().getMetadata().getResourceVersion();
    writer.put(pod("c", "10.244.9.9", "node-1", true, Map.of("app", "none"))); // an event that changes nothing
    Thread.sleep(500);
    assertEquals(writes, second.writes());
    assertEquals(rv, slices(reader, "web").getFirst().getMetadata().getResourceVersion());
  }

  // ---------------------------------------------------------------------------------------------

  static List<EndpointSlice> slices(ClusterStore st, String svc) {
    return st.list(EndpointSlice.class, "default").stream()
        .filter(s -> svc.equals(s.getMetadata().getLabels().get("kubernetes.io/service-name"))).toList();
  }

  static List<EndpointSlice> await(ClusterStore st, String svc, Predicate<List<EndpointSlice>> ok) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    List<EndpointSlice> last;
    do {
      last = slices(st, svc);
      try {
        if (ok.test(last)) return last;
      } catch (RuntimeException notYet) {
        // e.g. no slice yet
      }
      Thread.sleep(50);
    } while (System.currentTimeMillis() < deadline);
    fail("slices of " + svc + " never became as expected: " + last.stream().map(s -> s.getMetadata().getName() + " " + endpoints(s)).toList());
    return last;
  }

  /** address -> "pod node [ready] [serving] [terminating]". */
  static Map<String, String> endpoints(EndpointSlice s) {
    return s.getEndpoints().stream().collect(Collectors.toMap(e -> e.getAddresses().getFirst(), e -> e.getTargetRef().getName() + " " + e.getNodeName()
        + (e.getConditions().getReady() ? " ready" : "") + (e.getConditions().getServing() ? " serving" : "")
        + (e.getConditions().getTerminating() ? " terminating" : "")));
  }
}
