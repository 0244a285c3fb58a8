package dev.weft.lab.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.store.ClusterStore;
import dev.weft.store.EtcdClusterStore;
import dev.weft.store.testing.EtcdServer;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.IPAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ServiceApplier} and the allocators against a real etcd: allocation, update, release, races, exhaustion. */
class ServiceApplierTest {
  @RegisterExtension static final EtcdServer ETCD = new EtcdServer();
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final ServiceRanges LAB = new ServiceRanges(Ipv4Range.parse("10.96.0.0/12"), PortRange.DEFAULT_NODE_PORTS,
      Ipv4Range.parse("172.30.0.100-172.30.0.149"));
  private final String prefix = "/t" + PREFIXES.incrementAndGet();
  private final List<ClusterStore> stores = new ArrayList<>();

  private ClusterStore store() {
    ClusterStore s = EtcdClusterStore.connect(List.of(ETCD.endpoint()), prefix, Duration.ofSeconds(10));
    synchronized (stores) {
      stores.add(s);
    }
    return s;
  }

  @AfterEach
  void close() {
    stores.forEach(ClusterStore::close);
  }

  static Service svc(String yaml) {
    return ManifestReader.services(yaml, "test").getFirst();
  }

  static Service nodePort(String name) {
    return svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: %s}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        """.formatted(name));
  }

  @Test
  void clusterIpNodePortsKeptOnUpdateAndReleasedOnDelete() {
    ClusterStore st = store();
    ServiceApplier a = new ServiceApplier(st, LAB);
    var r = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: web, labels: {app: web}}
        spec:
          type: NodePort
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: echo, port: 7, protocol: UDP}
        """));
    assertEquals(ServiceApplier.Outcome.CREATED, r.outcome());
    Service s = r.service();
    String ip = s.getSpec().getClusterIP();
    long v = Ipv4Range.toLong(ip);
    assertTrue(v >= Ipv4Range.toLong("10.96.0.2") && v <= Ipv4Range.toLong("10.111.255.254"), ip);
    assertEquals(List.of(ip), s.getSpec().getClusterIPs());
    assertEquals("default", s.getMetadata().getNamespace());
    assertEquals(7, s.getSpec().getPorts().get(1).getTargetPort().getIntVal()); // defaulted to port
    assertEquals("Cluster", s.getSpec().getExternalTrafficPolicy());
    int np0 = s.getSpec().getPorts().get(0).getNodePort(), np1 = s.getSpec().getPorts().get(1).getNodePort();
    assertNotEquals(np0, np1);
    assertTrue(np0 >= 30000 && np0 <= 32767 && np1 >= 30000 && np1 <= 32767);
    // the records, read independently
    IPAddress rec = st.get(IPAddress.class, null, ip).orElseThrow();
    assertEquals("web", rec.getSpec().getParentRef().getName());
    assertEquals("services", rec.getSpec().getParentRef().getResource());
    assertEquals("ipallocator.k8s.io", rec.getMetadata().getLabels().get("ipaddress.kubernetes.io/managed-by"));
    assertEquals("web", st.get(NodePortAllocation.class, null, Integer.toString(np0)).orElseThrow().getSpec().getServiceName());

    // the same manifest again: unchanged; without the UDP port: configured, keeps IP and the http node port, frees the other
    assertEquals(ServiceApplier.Outcome.UNCHANGED, a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: web, labels: {app: web}}
        spec:
          type: NodePort
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: echo, port: 7, protocol: UDP}
        """)).outcome());
    var r2 = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: NodePort
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        """));
    assertEquals(ServiceApplier.Outcome.CONFIGURED, r2.outcome());
    assertEquals(ip, r2.service().getSpec().getClusterIP());
    assertEquals(np0, r2.service().getSpec().getPorts().getFirst().getNodePort());
    assertTrue(st.get(NodePortAllocation.class, null, Integer.toString(np1)).isEmpty(), "dropped port released");
    // to ClusterIP: node ports freed, IP kept
    var r3 = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selector: {app: web}, ports: [{name: http, port: 80}]}
        """));
    assertEquals(ip, r3.service().getSpec().getClusterIP());
    assertNull(r3.service().getSpec().getPorts().getFirst().getNodePort());
    assertEquals(List.of(), st.list(NodePortAllocation.class, null));
    // changing the IP is refused
    var e = assertThrows(ServiceRejectedException.class, () -> a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {clusterIP: 10.96.7.7, ports: [{port: 80}]}
        """)));
    assertTrue(e.getMessage().contains("may not change once set"), e.getMessage());
    assertTrue(st.get(IPAddress.class, null, "10.96.7.7").isEmpty(), "nothing taken by a refused apply");
    // delete frees everything
    assertTrue(a.delete("default", "web"));
    assertFalse(a.delete("default", "web"));
    assertEquals(List.of(), st.list(IPAddress.class, null));
    assertEquals(List.of(), st.list(Service.class, null));
  }

  @Test
  void requestedValuesAndTheirConflicts() {
    ServiceApplier a = new ServiceApplier(store(), LAB);
    Service s = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: dns, namespace: kube-system}
        spec:
          type: NodePort
          clusterIP: 10.96.0.10
          ports:
          - {name: dns, port: 53, protocol: UDP, nodePort: 30053}
          - {name: dns-tcp, port: 53, protocol: TCP, nodePort: 30053}
        """)).service();
    assertEquals("10.96.0.10", s.getSpec().getClusterIP());
    assertEquals(30053, s.getSpec().getPorts().get(1).getNodePort(), "one service may use a node port for TCP and UDP");
    // .1 only when asked for
    assertEquals("10.96.0.1", a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: kubernetes}
        spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, targetPort: 6443}]}
        """)).service().getSpec().getClusterIP());
    var taken = assertThrows(ServiceRejectedException.class, () -> a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: other}
        spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}
        """)));
    assertEquals("spec.clusterIPs: Invalid value: \"10.96.0.10\": provided ClusterIP is already allocated (to service kube-system/dns)", taken.getMessage());
    var port = assertThrows(ServiceRejectedException.class, () -> a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: other}
        spec: {type: NodePort, ports: [{port: 80, nodePort: 30053}]}
        """)));
    assertEquals("spec.ports[0].nodePort: Invalid value: \"30053\": provided NodePort is already allocated (to service kube-system/dns)", port.getMessage());
    assertTrue(a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: other}
        spec: {type: NodePort, ports: [{port: 80}]}
        """)).outcome() == ServiceApplier.Outcome.CREATED, "the refused attempts took nothing and left no Service");
    var range = assertThrows(ServiceRejectedException.class, () -> a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: far}
        spec: {clusterIP: 10.200.0.1, type: NodePort, ports: [{port: 80, nodePort: 8080}]}
        """)));
    assertTrue(range.getMessage().contains("10.200.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"), range.getMessage());
  }

  @Test
  void loadBalancerWithLocalPolicy() {
    ClusterStore st = store();
    ServiceApplier a = new ServiceApplier(st, LAB);
    Service s = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: lb}
        spec:
          type: LoadBalancer
          externalTrafficPolicy: Local
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        """)).service();
    int hc = s.getSpec().getHealthCheckNodePort();
    assertTrue(hc >= 30000 && hc <= 32767);
    assertNotEquals(hc, s.getSpec().getPorts().getFirst().getNodePort());
    String lbIp = s.getStatus().getLoadBalancer().getIngress().getFirst().getIp();
    assertTrue(LAB.loadBalancerPool().contains(lbIp), lbIp);
    assertEquals("VIP", s.getStatus().getLoadBalancer().getIngress().getFirst().getIpMode());
    assertEquals("lb-ipam.weft.dev", st.get(IPAddress.class, null, lbIp).orElseThrow().getMetadata().getLabels().get("ipaddress.kubernetes.io/managed-by"));
    // re-apply keeps the ingress IP and the health check port; Cluster policy frees the latter
    Service again = a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: lb}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        """)).service();
    assertEquals(lbIp, again.getStatus().getLoadBalancer().getIngress().getFirst().getIp());
    assertNull(again.getSpec().getHealthCheckNodePort());
    assertTrue(st.get(NodePortAllocation.class, null, Integer.toString(hc)).isEmpty());
    assertTrue(a.delete("default", "lb"));
    assertEquals(List.of(), st.list(IPAddress.class, null));
    assertEquals(List.of(), st.list(NodePortAllocation.class, null));
  }

  @Test
  void twentyConcurrentAppliesGetDistinctValues() throws Exception {
    int n = 20;
    var ips = new ConcurrentLinkedQueue<String>();
    var ports = new ConcurrentLinkedQueue<Integer>();
    var errors = new ConcurrentLinkedQueue<Throwable>();
    // a small range so that random starts collide: 10.96.0.0/26 = 61 dynamic addresses; 40 node ports
    ServiceRanges small = new ServiceRanges(Ipv4Range.parse("10.96.0.0/26"), new PortRange(30000, 30039), null);
    runConcurrently(n, i -> {
      var r = new ServiceApplier(store(), small).apply(nodePort("svc-" + i)); // each its own client, as separate processes
      ips.add(r.service().getSpec().getClusterIP());
      ports.add(r.service().getSpec().getPorts().getFirst().getNodePort());
    }, errors);
    assertEquals(List.of(), List.copyOf(errors));
    assertEquals(n, new HashSet<>(ips).size(), "distinct IPs: " + ips);
    assertEquals(n, new HashSet<>(ports).size(), "distinct node ports: " + ports);
    ClusterStore st = store();
    assertEquals(n, st.list(IPAddress.class, null).size());
    assertEquals(n, st.list(NodePortAllocation.class, null).size());
  }

  @Test
  void exhaustingATinyRangeIsAClearError() throws Exception {
    ServiceRanges tiny = new ServiceRanges(Ipv4Range.parse("10.96.0.0/29"), new PortRange(30000, 30004), null); // 5 dynamic IPs: .2-.6
    var ok = new ConcurrentLinkedQueue<String>();
    var errors = new ConcurrentLinkedQueue<Throwable>();
    runConcurrently(20, i -> ok.add(new ServiceApplier(store(), tiny).apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: s%d}
        spec: {ports: [{port: 80}]}
        """.formatted(i))).service().getSpec().getClusterIP()), errors);
    assertEquals(Set.of("10.96.0.2", "10.96.0.3", "10.96.0.4", "10.96.0.5", "10.96.0.6"), new HashSet<>(ok));
    assertEquals(5, ok.size());
    assertEquals(15, errors.size());
    for (Throwable t : errors)
      assertEquals("no free ClusterIP left in 10.96.0.0/29 minus network, .1 and broadcast (all 5 are allocated)", t.getMessage());
    ClusterStore st = store();
    assertEquals(5, st.list(IPAddress.class, null).size());
    assertEquals(5, st.list(Service.class, null).size());
    // node ports: 5 in the range, the 6th is refused and gives its ClusterIP back
    ServiceApplier a = new ServiceApplier(st, new ServiceRanges(Ipv4Range.parse("10.97.0.0/24"), new PortRange(30000, 30004), null));
    for (int i = 0; i < 5; i++) a.apply(nodePort("np" + i));
    var full = assertThrows(ServiceRejectedException.class, () -> a.apply(nodePort("np5")));
    assertEquals("no free NodePort left in 30000-30004 (all 5 are allocated)", full.getMessage());
    assertTrue(st.get(Service.class, "default", "np5").isEmpty());
    assertEquals(10, st.list(IPAddress.class, null).size(), "5 + 5, none leaked by the refused one");
    // deleting one frees its values for the next
    assertTrue(a.delete("default", "np2"));
    assertEquals(ServiceApplier.Outcome.CREATED, a.apply(nodePort("np5")).outcome());
  }

  @Test
  void concurrentAppliesOfOneServiceLeaveOneIp() throws Exception {
    var errors = new ConcurrentLinkedQueue<Throwable>();
    runConcurrently(8, i -> new ServiceApplier(store(), LAB).apply(nodePort("same")), errors);
    assertEquals(List.of(), List.copyOf(errors));
    ClusterStore st = store();
    Service s = st.get(Service.class, "default", "same").orElseThrow();
    assertEquals(List.of(s.getSpec().getClusterIP()), st.list(IPAddress.class, null).stream().map(r -> r.getMetadata().getName()).toList());
    assertEquals(List.of(s.getSpec().getPorts().getFirst().getNodePort().toString()),
        st.list(NodePortAllocation.class, null).stream().map(r -> r.getMetadata().getName()).toList());
  }

  @Test
  void repairFreesRecordsNoServiceUses() {
    ClusterStore st = store();
    ServiceApplier a = new ServiceApplier(st, LAB);
    a.apply(nodePort("kept"));
    // a crash between allocation and the Service's write leaves records
    IpAddressAllocator.clusterIps(st, LAB).allocate(new ServiceRef("default", "crashed"));
    new NodePortAllocator(st, LAB).allocatePort(new ServiceRef("default", "crashed"));
    assertEquals(0, a.repair(3600), "young records are left alone (an apply may be under way)");
    assertEquals(2, a.repair(-1));
    assertEquals(1, st.list(IPAddress.class, null).size());
    assertEquals(1, st.list(NodePortAllocation.class, null).size());
    // a Service written to the store directly gets its records, so apply never gives its IP or port to another
    Service direct = svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: direct, namespace: default}
        spec: {type: NodePort, clusterIP: 10.96.5.5, ports: [{port: 80, nodePort: 30555}]}
        """);
    st.create(direct);
    assertEquals(2, a.repair(3600));
    assertEquals("direct", st.get(IPAddress.class, null, "10.96.5.5").orElseThrow().getSpec().getParentRef().getName());
    var e = assertThrows(ServiceRejectedException.class, () -> a.apply(svc("""
        apiVersion: v1
        kind: Service
        metadata: {name: late}
        spec: {type: NodePort, ports: [{port: 80, nodePort: 30555}]}
        """)));
    assertTrue(e.getMessage().contains("already allocated (to service default/direct)"), e.getMessage());
    assertEquals(0, a.repair(-1), "converged");
  }

  interface Body {
    void run(int i) throws Exception;
  }

  static void runConcurrently(int n, Body body, ConcurrentLinkedQueue<Throwable> errors) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      ts.add(Thread.ofPlatform().start(() -> {
        try {
          go.await();
          body.run(k);
        } catch (Throwable t) {
          errors.add(t);
        }
      }));
    }
    go.countDown();
    for (Thread t : ts) t.join(60_000);
  }
}
