package dev.weft.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTranslatorTest {
  /** Services and EndpointSlices of a {@code kind: List} fixture, as kubectl -o yaml prints them. */
  record Fixture(List<Service> services, List<EndpointSlice> slices) {
    ProxyModel model() {
      return ModelTranslator.translate(services, slices);
    }
  }

  static Fixture fixture(String name) {
    try (InputStream in = ModelTranslatorTest.class.getResourceAsStream("translator/" + name)) {
      if (in == null) throw new AssertionError("no fixture " + name);
      KubernetesList list = Serialization.unmarshal(in, KubernetesList.class);
      List<Service> svcs = new ArrayList<>();
      List<EndpointSlice> slices = new ArrayList<>();
      for (HasMetadata o : list.getItems()) {
        if (o instanceof Service s) svcs.add(s);
        else if (o instanceof EndpointSlice s) slices.add(s);
        else throw new AssertionError("unexpected " + o.getKind() + " in " + name);
      }
      return new Fixture(svcs, slices);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  static ServicePortName id(String ns, String name, String port, Protocol p) {
    return new ServicePortName(ns, name, port, p);
  }

  @Test
  void namedTargetPortsResolveThroughTheSlicePortOfTheSameName() {
    ProxyModel m = fixture("named-ports.yaml").model();
    var http = id("shop", "web", "http", Protocol.TCP);
    var metrics = id("shop", "web", "metrics", Protocol.TCP);
    assertEquals(List.of(http, metrics), List.copyOf(m.services().keySet()));

    ServicePort sp = m.services().get(http);
    assertEquals(List.of(ip("10.96.12.34")), sp.clusterIps());
    assertEquals(80, sp.port());
    assertEquals(0, sp.nodePort());
    assertFalse(sp.hasExternal());
    assertNull(sp.affinityTimeout());
    assertEquals(TrafficPolicy.CLUSTER, sp.externalPolicy());
    assertEquals(TrafficPolicy.CLUSTER, sp.internalPolicy());
    assertEquals(0, sp.healthCheckNodePort());
    assertEquals(9090, m.services().get(metrics).port());

    // sorted by address; every endpoint carries the port resolved for *this* service port
    assertEquals(List.of(
        new Endpoint(ip("10.244.1.5"), 8080, "node-1", true, true, false),
        new Endpoint(ip("10.244.1.9"), 8080, "node-1", false, true, true),
        new Endpoint(ip("10.244.2.7"), 8080, "node-2", true, true, false),
        new Endpoint(ip("10.244.3.4"), 8080, "node-3", false, false, false),
        new Endpoint(ip("10.244.3.6"), 8080, "node-3", true, true, false)), m.endpointsOf(http));
    assertEquals(List.of(9100), m.endpointsOf(metrics).stream().map(Endpoint::port).distinct().toList());
    assertEquals(5, m.endpointsOf(metrics).size());
  }

  @Test
  void terminatingEndpointsAreKeptForTheFallback() {
    ProxyModel m = fixture("named-ports.yaml").model();
    var http = id("shop", "web", "http", Protocol.TCP);
    List<Endpoint> eps = m.endpointsOf(http);
    // the model keeps them all; the selection uses the ready ones while any is left …
    var choice = EndpointSelection.choose(m.services().get(http), eps, "node-1");
    assertEquals(List.of("10.244.1.5", "10.244.2.7", "10.244.3.6"), choice.cluster().stream().map(e -> e.ip().getHostAddress()).toList());
    // … and the serving+terminating one when none is
    List<Endpoint> noneReady = eps.stream().filter(e -> !e.ready()).toList();
    var drained = EndpointSelection.choose(m.services().get(http), noneReady, "node-1");
    assertEquals(List.of("10.244.1.9"), drained.cluster().stream().map(e -> e.ip().getHostAddress()).toList());
  }

  @Test
  void severalPortsAndProtocolsOfOneService() {
    ProxyModel m = fixture("multi-protocol.yaml").model();
    var dnsUdp = id("kube-system", "kube-dns", "dns", Protocol.UDP);
    var dnsTcp = id("kube-system", "kube-dns", "dns-tcp", Protocol.TCP);
    var metrics = id("kube-system", "kube-dns", "metrics", Protocol.TCP);
    var sctp = id("telco", "signalling", "", Protocol.SCTP);
    assertEquals(java.util.Set.of(dnsUdp, dnsTcp, metrics, sctp), m.services().keySet());
    assertEquals(53, m.services().get(dnsUdp).port());
    assertEquals(53, m.services().get(dnsTcp).port());
    assertEquals(List.of("10.244.0.2", "10.244.0.3"), m.endpointsOf(dnsUdp).stream().map(e -> e.ip().getHostAddress()).toList());
    assertEquals(List.of(53, 53), m.endpointsOf(dnsTcp).stream().map(Endpoint::port).toList());
    assertEquals(List.of(9153, 9153), m.endpointsOf(metrics).stream().map(Endpoint::port).toList());
    // the SCTP service's only endpoint; the same-named slice in namespace "other" does not count
    assertEquals(List.of(new Endpoint(ip("10.244.5.5"), 3868, "node-2", true, true, false)), m.endpointsOf(sctp));
    assertEquals(List.of(ip("10.96.40.1")), m.services().get(sctp).clusterIps());
  }

  @Test
  void loadBalancerWithLocalPolicyHealthCheckPortAffinityAndExternalIps() {
    ProxyModel m = fixture("loadbalancer-local.yaml").model();
    ServicePort https = m.services().get(id("edge", "ingress", "https", Protocol.TCP));
    assertEquals(443, https.port());
    assertEquals(31443, https.nodePort());
    assertEquals(List.of(ip("192.0.2.10")), https.externalIps());
    // the hostname-only ingress has no IP; the ipMode Proxy one needs no VIP rules
    assertEquals(List.of(ip("198.51.100.7")), https.loadBalancerIps());
    assertEquals(TrafficPolicy.LOCAL, https.externalPolicy());
    assertEquals(TrafficPolicy.CLUSTER, https.internalPolicy());
    assertEquals(32100, https.healthCheckNodePort());
    assertEquals(Duration.ofSeconds(600), https.affinityTimeout());
    assertTrue(https.hasExternal());
    // the endpoint present in both slices appears once, as its ready copy
    assertEquals(List.of(
        new Endpoint(ip("10.244.1.20"), 8443, "node-1", true, true, false),
        new Endpoint(ip("10.244.2.20"), 8443, "node-2", true, true, false)), m.endpointsOf(https.id()));
    var choice = EndpointSelection.choose(https, m.endpointsOf(https.id()), "node-1");
    assertEquals(List.of("10.244.1.20"), choice.external().stream().map(e -> e.ip().getHostAddress()).toList());

    ServicePort game = m.services().get(id("edge", "game", "udp", Protocol.UDP));
    assertEquals(30777, game.nodePort());
    assertEquals(ModelTranslator.DEFAULT_AFFINITY_TIMEOUT, game.affinityTimeout());
    assertEquals(Duration.ofHours(3), game.affinityTimeout());
    assertEquals(TrafficPolicy.LOCAL, game.internalPolicy());
    assertEquals(0, game.healthCheckNodePort());
    assertTrue(m.endpointsOf(game.id()).isEmpty()); // no slice yet: the service rejects

    ServicePort plain = m.services().get(id("edge", "plain", "", Protocol.TCP));
    assertEquals(0, plain.nodePort());
    assertEquals(0, plain.healthCheckNodePort());
    assertFalse(plain.hasExternal());
  }

  @Test
  void headlessExternalNameAndUnallocatedServicesAreSkipped() {
    ProxyModel m = fixture("skipped.yaml").model();
    var cache = id("data", "cache", "redis", Protocol.TCP);
    assertEquals(List.of(cache), List.copyOf(m.services().keySet()));
    assertEquals(List.of(cache), List.copyOf(m.endpoints().keySet()));
    assertTrue(m.endpointsOf(cache).isEmpty()); // the unlabelled slice belongs to no service
  }

  @Test
  void pureAndDeterministic() {
    Fixture f = fixture("named-ports.yaml");
    ProxyModel a = f.model();
    List<Service> svcs = new ArrayList<>(f.services());
    List<EndpointSlice> slices = new ArrayList<>(f.slices());
    java.util.Collections.reverse(svcs);
    java.util.Collections.reverse(slices);
    assertEquals(a, ModelTranslator.translate(svcs, slices));
    assertEquals(ProxyModel.empty(), ModelTranslator.translate(List.of(), f.slices()));
  }

  @Test
  void sliceEndpointsWithoutAMatchingPortNameAreNotUsed() {
    Fixture f = fixture("named-ports.yaml");
    // the slice controller publishes ports by the Service's port names: rename one, and that
    // service port has no endpoints while the other keeps its own
    EndpointSlice s = f.slices().getFirst();
    s.getPorts().getFirst().setName("renamed");
    ProxyModel m = ModelTranslator.translate(f.services(), f.slices());
    assertTrue(m.endpointsOf(id("shop", "web", "metrics", Protocol.TCP)).isEmpty());
    assertEquals(5, m.endpointsOf(id("shop", "web", "http", Protocol.TCP)).size());
  }

  @Test
  void ipv4LiteralsOnly() {
    assertEquals(ip("10.0.0.1"), ModelTranslator.ipv4("10.0.0.1"));
    assertNull(ModelTranslator.ipv4("fd00::1"));
    assertNull(ModelTranslator.ipv4("example.com"));
    assertNull(ModelTranslator.ipv4("10.0.0.256"));
    assertNull(ModelTranslator.ipv4("None"));
    assertNull(ModelTranslator.protocol("ICMP"));
    assertEquals(Protocol.TCP, ModelTranslator.protocol(null));
  }

  static List<IpPrefix> ranges(String... cidrs) {
    return java.util.Arrays.stream(cidrs).map(IpPrefix::parse).toList();
  }

  @Test
  void loadBalancerSourceRangesFromTheFieldSkipInvalidAndIpv6Entries() {
    ProxyModel m = fixture("source-ranges.yaml").model();
    // trimmed, host bits cleared, each network once; "not-a-cidr", a bare address, 300.1.1.1/8 and /33 ignored, IPv6 dropped
    List<IpPrefix> expected = ranges("203.0.113.0/24", "10.0.0.0/8");
    assertEquals(expected, m.services().get(id("edge", "field", "http", Protocol.TCP)).sourceRanges());
    assertEquals(expected, m.services().get(id("edge", "field", "dns", Protocol.UDP)).sourceRanges(), "every port of the service");
    assertEquals(List.of(ip("192.0.2.100")), m.services().get(id("edge", "field", "http", Protocol.TCP)).loadBalancerIps());
  }

  @Test
  void loadBalancerSourceRangesFromTheLegacyAnnotationOnlyWhenTheFieldIsEmpty() {
    ProxyModel m = fixture("source-ranges.yaml").model();
    assertEquals(ranges("192.168.0.0/16", "172.16.0.0/12"), m.services().get(id("edge", "annotation", "", Protocol.TCP)).sourceRanges());
    assertEquals(ranges("100.64.0.0/10"), m.services().get(id("edge", "both", "", Protocol.TCP)).sourceRanges(), "the field wins");
    assertEquals(List.of(), m.services().get(id("edge", "junk", "", Protocol.TCP)).sourceRanges(), "nothing valid: not firewalled");
    // a service without either has none
    ProxyModel other = fixture("loadbalancer-local.yaml").model();
    for (ServicePort sp : other.services().values()) assertEquals(List.of(), sp.sourceRanges(), sp.id().toString());
  }

  @Test
  void sourceRangeEntries() {
    assertEquals(IpPrefix.parse("10.0.0.0/8"), SourceRanges.parse(" 10.9.8.7/8 "));
    assertEquals(IpPrefix.parse("0.0.0.0/0"), SourceRanges.parse("0.0.0.0/0"));
    assertNull(SourceRanges.parse("10.0.0.1"));
    assertNull(SourceRanges.parse("10.0.0.0/"));
    assertNull(SourceRanges.parse("10.0.0/8"));
    assertNull(SourceRanges.parse("example.com/8"));
    assertNull(SourceRanges.parse(""));
    assertTrue(SourceRanges.parse("fd00::/8").isIpv6());
  }
}
