package dev.weft.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.proxy.model.TrafficPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HealthCheckServerTest {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  final AtomicBoolean proxyHealthy = new AtomicBoolean(true);
  final List<String> log = new ArrayList<>();
  final HealthCheckServer hc = new HealthCheckServer(List.of(LOOPBACK), proxyHealthy::get, log::add);

  @AfterEach
  void close() {
    hc.close();
  }

  record Reply(int code, JsonNode body, String contentType) {}

  static Reply get(int port) throws IOException, InterruptedException {
    var r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), new ObjectMapper().readTree(r.body()), r.headers().firstValue("Content-Type").orElse(""));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  static ServicePort lb(String ns, String name, String portName, int hcPort, TrafficPolicy etp) {
    return new ServicePort(new ServicePortName(ns, name, portName, Protocol.TCP), List.of(ModelTranslator.ipv4("10.96.0.10")), 80, 30080,
        List.of(), List.of(), etp, TrafficPolicy.CLUSTER, null, hcPort);
  }

  static Endpoint ep(String ip, String node, boolean ready) {
    return new Endpoint(ModelTranslator.ipv4(ip), 8080, node, ready, ready, !ready);
  }

  static ProxyModel model(Map<ServicePort, List<Endpoint>> services) {
    var s = new TreeMap<ServicePortName, ServicePort>();
    var e = new TreeMap<ServicePortName, List<Endpoint>>();
    services.forEach((sp, eps) -> {
      s.put(sp.id(), sp);
      e.put(sp.id(), eps);
    });
    return new ProxyModel(s, e);
  }

  @Test
  void answers200WithLocalReadyEndpointsAnd503Without() throws Exception {
    int port = freePort();
    ServicePort web = lb("shop", "web", "http", port, TrafficPolicy.LOCAL);
    hc.update(model(Map.of(web, List.of(ep("10.244.1.2", "node-1", true), ep("10.244.1.3", "node-1", true),
        ep("10.244.2.2", "node-2", true), ep("10.244.1.9", "node-1", false)))), "node-1");
    Reply r = get(port);
    assertEquals(200, r.code());
    assertEquals("application/json", r.contentType());
    // kube-proxy's body, field for field
    assertEquals(new ObjectMapper().readTree("{\"service\":{\"namespace\":\"shop\",\"name\":\"web\"},\"localEndpoints\":2,\"serviceProxyHealthy\":true}"),
        r.body());

    // only a remote and a terminating local endpoint left: the load balancer must skip this node
    hc.update(model(Map.of(web, List.of(ep("10.244.2.2", "node-2", true), ep("10.244.1.9", "node-1", false)))), "node-1");
    r = get(port);
    assertEquals(503, r.code());
    assertEquals(0, r.body().get("localEndpoints").asInt());
    assertEquals("web", r.body().get("service").get("name").asText());

    hc.update(model(Map.of(web, List.of(ep("10.244.1.4", "node-1", true)))), "node-1");
    assertEquals(200, get(port).code());
  }

  @Test
  void anUnhealthyProxyAnswers503() throws Exception {
    int port = freePort();
    hc.update(model(Map.of(lb("shop", "web", "http", port, TrafficPolicy.LOCAL), List.of(ep("10.244.1.2", "node-1", true)))), "node-1");
    proxyHealthy.set(false);
    Reply r = get(port);
    assertEquals(503, r.code());
    assertEquals(1, r.body().get("localEndpoints").asInt());
    assertEquals(false, r.body().get("serviceProxyHealthy").asBoolean());
  }

  @Test
  void portsOpenAndCloseAsServicesComeAndGo() throws Exception {
    int p1 = freePort(), p2 = freePort();
    ServicePort a = lb("shop", "a", "", p1, TrafficPolicy.LOCAL);
    ServicePort b = lb("shop", "b", "", p2, TrafficPolicy.LOCAL);
    hc.update(model(Map.of(a, List.of())), "node-1");
    assertEquals(Set.of(p1), hc.ports());
    assertEquals(503, get(p1).code());
    assertThrows(IOException.class, () -> get(p2));

    hc.update(model(Map.of(a, List.of(), b, List.of(ep("10.244.1.2", "node-1", true)))), "node-1");
    assertEquals(Set.of(p1, p2), hc.ports());
    assertEquals(200, get(p2).code());

    hc.update(model(Map.of(b, List.of(ep("10.244.1.2", "node-1", true)))), "node-1");
    assertEquals(Set.of(p2), hc.ports());
    assertThrows(IOException.class, () -> get(p1));
    try (ServerSocket s = new ServerSocket(p1, 1, LOOPBACK)) {
      assertTrue(s.isBound(), "the closed port is free again");
    }

    hc.update(ProxyModel.empty(), "node-1");
    assertEquals(Set.of(), hc.ports());
    assertThrows(IOException.class, () -> get(p2));
  }

  @Test
  void onlyLocalPolicyWithAPortGetsAServer() throws IOException {
    int p = freePort();
    hc.update(model(Map.of(lb("shop", "cluster", "", p, TrafficPolicy.CLUSTER), List.of(), lb("shop", "noport", "", 0, TrafficPolicy.LOCAL), List.of())),
        "node-1");
    assertEquals(Set.of(), hc.ports());
  }

  @Test
  void portsOfOneServiceShareOneCheck() throws Exception {
    int port = freePort();
    ServicePort http = lb("shop", "web", "http", port, TrafficPolicy.LOCAL);
    ServicePort https = lb("shop", "web", "https", port, TrafficPolicy.LOCAL);
    // the same pods behind both ports count once
    hc.update(model(Map.of(http, List.of(ep("10.244.1.2", "node-1", true)),
        https, List.of(ep("10.244.1.2", "node-1", true), ep("10.244.1.3", "node-1", true)))), "node-1");
    assertEquals(Map.of(port, new HealthCheckServer.Status("shop", "web", 2)), hc.serving());
    assertEquals(2, get(port).body().get("localEndpoints").asInt());
  }

  @Test
  void aBusyPortIsRetriedOnTheNextUpdate() throws Exception {
    int port = freePort();
    ProxyModel m = model(Map.of(lb("shop", "web", "", port, TrafficPolicy.LOCAL), List.of(ep("10.244.1.2", "node-1", true))));
    try (ServerSocket squatter = new ServerSocket(port, 1, LOOPBACK)) {
      hc.update(m, "node-1");
      assertEquals(Set.of(), hc.ports());
      assertTrue(log.stream().anyMatch(l -> l.contains("retrying")), log.toString());
    }
    hc.update(m, "node-1");
    assertEquals(Set.of(port), hc.ports());
    assertEquals(200, get(port).code());
  }
}
