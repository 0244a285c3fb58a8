package dev.weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Services control plane in a real lab (2 nodes, {@code --proxy iptables}, pods web-1 and web-3 on node-1, web-2
 * on node-2): {@code weft apply/get/delete} run as the user runs them ({@code dist/bin/weft}, from the root namespace,
 * hopping into the lab's underlay namespace), EndpointSlices and allocation records read independently with
 * {@code etcdctl} inside the underlay namespace, pod readiness and termination, the external client's routes to
 * LoadBalancer IPs. Needs {@code make build} (the CLI in {@code dist/}).
 */
@RootTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServicesLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private Path dist;
  private Lab lab;

  @BeforeAll
  void up() {
    dist = Path.of(System.getProperty("weft.dist", "../dist")).toAbsolutePath().normalize();
    assertTrue(Files.isExecutable(dist.resolve("bin/weft")) && Files.isExecutable(dist.resolve("bin/weft-agent")), "run 'make build' first");
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null) System.setProperty("weft.lab.classpath", cp);
    lab = new Lab("sv" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff)));
    lab.up(new Lab.UpOptions(2, dist, null, Duration.ofSeconds(90), 0, "iptables"), new PrintStream(new ByteArrayOutputStream()));
    lab.addPod("web-1", "node-1", List.of("app=web"));
    lab.addPod("web-2", "node-2", List.of("app=web"));
    lab.addPod("web-3", "node-1", List.of("app=web"));
  }

  @AfterAll
  void down() {
    if (lab != null) lab.down(null);
  }

  @Test
  void applyGetDeleteSlicesReadinessTermination() throws Exception {
    // lab up --proxy: in lab.json, in status, on every agent's command line
    LabStatus st = lab.status();
    assertEquals("iptables", JSON.readTree(st.toJsonString()).get("services").get("proxy").asText());
    for (LabStatus.NodeStatus n : st.nodes()) {
      String cmdline = Files.readString(Path.of("/proc/" + n.agentPid() + "/cmdline")).replace('\0', ' ');
      assertTrue(cmdline.contains(" --proxy iptables"), cmdline);
    }

    Path manifest = Files.createTempFile("svc", ".yaml");
    Files.writeString(manifest, """
        apiVersion: v1
        kind: Service
        metadata: {name: web, labels: {app: web}}
        spec:
          selector: {app: web}
          ports:
          - {name: http, port: 80, targetPort: http}
          - {name: echo-udp, port: 7, protocol: UDP, targetPort: echo-udp}
        ---
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: web-np}
          spec:
            type: NodePort
            clusterIP: 10.96.100.10
            selector: {app: web}
            ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
        - apiVersion: v1
          kind: Service
          metadata: {name: web-lb}
          spec:
            type: LoadBalancer
            externalTrafficPolicy: Local
            selector: {app: web}
            ports: [{name: http, port: 80, targetPort: http}]
        """);
    assertEquals("service/web created\nservice/web-np created\nservice/web-lb created\n", weft(0, "apply", "-f", manifest.toString()));
    assertEquals("service/web unchanged\nservice/web-np unchanged\nservice/web-lb unchanged\n", weft(0, "apply", "-f", manifest.toString()));
    Files.delete(manifest);

    // other kinds: refused, naming the kind; a taken node port: refused, naming the holder
    var r = weftResult("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", "apply", "-f", "-");
    assertEquals(1, r.exit());
    assertEquals("weft: stdin: document 1: kind Deployment (apps/v1) is not supported: weft apply takes kind Service, or a List of them\n", r.err());
    r = weftResult("apiVersion: v1\nkind: Service\nmetadata: {name: clash}\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}\n", "apply", "-f", "-");
    assertEquals(1, r.exit());
    assertEquals("Error from server (Invalid): error when applying service/clash: spec.ports[0].nodePort: Invalid value: \"30080\": "
        + "provided NodePort is already allocated (to service default/web-np)\n", r.err());

    // slices, read with etcdctl: every pod, named ports resolved, ready
    JsonNode web = awaitSlice("web", s -> s.get("endpoints").size() == 3);
    assertEquals("web", web.get("metadata").get("labels").get("kubernetes.io/service-name").asText());
    assertEquals("IPv4", web.get("addressType").asText());
    assertEquals("[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"},{\"name\":\"echo-udp\",\"port\":7,\"protocol\":\"UDP\"}]", web.get("ports").toString());
    LabPod p2 = lab.status().pods().stream().map(LabStatus.PodStatus::pod).filter(p -> p.name().equals("web-2")).findFirst().orElseThrow();
    JsonNode e2 = endpoint(web, p2.ip());
    assertEquals("{\"ready\":true,\"serving\":true,\"terminating\":false}", e2.get("conditions").toString());
    assertEquals("node-2", e2.get("nodeName").asText());
    assertEquals("{\"kind\":\"Pod\",\"name\":\"web-2\",\"namespace\":\"default\",\"uid\":\"" + p2.uid() + "\"}", e2.get("targetRef").toString());

    // get services: kubectl's columns, then ENDPOINTS
    String table = weft(0, "get", "services");
    List<String> lines = table.lines().toList();
    assertTrue(lines.getFirst().matches("NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE +ENDPOINTS"), table);
    assertEquals(4, lines.size(), table);
    assertTrue(lines.get(3).matches("web-np +NodePort +10\\.96\\.100\\.10 +<none> +80:30080/TCP +\\d+s +10\\.244\\.\\S+:80,\\S+:80,\\S+:80"), table);
    assertTrue(lines.get(2).matches("web-lb +LoadBalancer +10\\.\\S+ +172\\.30\\.0\\.1[0-4]\\d +80:3\\d{4}/TCP .*"), table);

    // get services -o json: kubectl's List, kubectl's layout (sorted keys, 4 spaces); web-np checked field by field
    String json = weft(0, "get", "services", "-o", "json");
    assertTrue(json.startsWith("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Service\",\n"), json);
    assertTrue(json.endsWith("\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"), json);
    JsonNode list = JSON.readTree(json);
    assertEquals(List.of("apiVersion", "items", "kind", "metadata"), fieldNames(list));
    assertEquals(List.of("web", "web-lb", "web-np"), list.get("items").findValues("metadata").stream().map(m -> m.get("name").asText()).toList());
    JsonNode np = list.get("items").get(2);
    String uid = np.get("metadata").get("uid").asText(), rv = np.get("metadata").get("resourceVersion").asText();
    String created = np.get("metadata").get("creationTimestamp").asText();
    assertEquals(JSON.readTree("""
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"creationTimestamp": "%s", "name": "web-np", "namespace": "default", "resourceVersion": "%s", "uid": "%s"},
         "spec": {"clusterIP": "10.96.100.10", "clusterIPs": ["10.96.100.10"], "externalTrafficPolicy": "Cluster",
                  "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                  "ports": [{"name": "http", "nodePort": 30080, "port": 80, "protocol": "TCP", "targetPort": "http"}],
                  "selector": {"app": "web"}, "sessionAffinity": "None", "type": "NodePort"},
         "status": {"loadBalancer": {}}}
        """.formatted(created, rv, uid)), np);
    JsonNode lb = list.get("items").get(1);
    String lbIp = lb.get("status").get("loadBalancer").get("ingress").get(0).get("ip").asText();
    assertTrue(lb.get("spec").get("healthCheckNodePort").asInt() >= 30000);
    // the same with the slices: one List of both kinds
    JsonNode both = JSON.readTree(weft(0, "get", "services,endpointslices", "-o", "json"));
    assertEquals(6, both.get("items").size());
    assertEquals("EndpointSlice", both.get("items").get(5).get("kind").asText());

    // the allocation records, read with etcdctl
    assertTrue(etcd("/weft/ipaddresses/10.96.100.10").contains("\"name\":\"web-np\""));
    assertTrue(etcd("/weft/nodeportallocations/30080").contains("\"serviceName\":\"web-np\""));
    assertTrue(etcd("/weft/ipaddresses/" + lbIp).contains("lb-ipam.weft.dev"));
    // ext reaches the ingress IP through a node that has a ready endpoint (Local policy): node-1 has two
    awaitTrue(() -> Sh.runQuietly("ip", "-n", lab.paths().extNs(), "route", "show", lbIp).contains("via 172.30.0.11"), "ext route to " + lbIp);

    // readiness: web-2 not ready -> ready false, serving false
    lab.setPodReady("web-2", false);
    awaitSlice("web", s -> endpoint(s, p2.ip()).get("conditions").toString().equals("{\"ready\":false,\"serving\":false,\"terminating\":false}"));
    assertEquals("pod web-2 ready\n", weftLab("pod", "ready", "web-2", "--ready=true"));
    awaitSlice("web", s -> endpoint(s, p2.ip()).get("conditions").get("ready").asBoolean());

    // termination: during the grace period the endpoint is serving and terminating, then gone
    LabPod p3 = lab.status().pods().stream().map(LabStatus.PodStatus::pod).filter(p -> p.name().equals("web-3")).findFirst().orElseThrow();
    Thread del = Thread.ofPlatform().start(() -> lab.deletePod("web-3", Duration.ofSeconds(2)));
    awaitSlice("web", s -> endpoint(s, p3.ip()).get("conditions").toString().equals("{\"ready\":false,\"serving\":true,\"terminating\":true}"));
    assertTrue(del.isAlive(), "still in its grace period");
    del.join(15_000);
    awaitSlice("web", s -> s.get("endpoints").size() == 2);

    // delete: the service, its records and its slices go
    assertEquals("service \"web-np\" deleted\n", weft(0, "delete", "service", "web-np"));
    assertEquals("", etcd("/weft/ipaddresses/10.96.100.10"));
    assertEquals("", etcd("/weft/nodeportallocations/30080"));
    awaitTrue(() -> etcdKeys("/weft/endpointslices/default/web-np-").isEmpty(), "web-np's slices deleted");
    var gone = weftResult(null, "delete", "svc", "web-np");
    assertEquals(1, gone.exit());
    assertEquals("Error from server (NotFound): services \"web-np\" not found\n", gone.err());

    // concurrent applies through the CLI: distinct IPs
    List<Thread> ts = new ArrayList<>();
    List<String> outs = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      String yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: c" + i + "}\nspec: {type: NodePort, ports: [{port: 80}]}\n";
      ts.add(Thread.ofPlatform().start(() -> outs.add(weftResult(yaml, "apply", "-f", "-").out())));
    }
    for (Thread t : ts) t.join(60_000);
    assertEquals(Set.of("service/c0 created\n", "service/c1 created\n", "service/c2 created\n"), new HashSet<>(outs));
    JsonNode cs = JSON.readTree(weft(0, "get", "svc", "-o", "json"));
    Set<String> ips = new HashSet<>();
    Set<Integer> ports = new HashSet<>();
    for (JsonNode s : cs.get("items")) {
      ips.add(s.get("spec").get("clusterIP").asText());
      for (JsonNode p : s.get("spec").get("ports")) if (p.has("nodePort")) ports.add(p.get("nodePort").asInt());
      if (s.get("spec").has("healthCheckNodePort")) ports.add(s.get("spec").get("healthCheckNodePort").asInt());
    }
    assertEquals(cs.get("items").size(), ips.size(), "distinct ClusterIPs " + ips);
    assertEquals(5, ports.size(), "distinct node ports " + ports); // web-lb: 2, c0-c2: 1 each
  }

  // ---------------------------------------------------------------------------------------------

  private Sh.Result weftResult(String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/weft").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--lab", lab.name()));
    return Sh.exec(Map.of(), stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), cmd);
  }

  private String weft(int exit, String... args) {
    var r = weftResult(null, args);
    if (r.exit() != exit) fail("weft " + String.join(" ", args) + " exited " + r.exit() + ": " + r.err() + r.out());
    return r.out();
  }

  private String weftLab(String... args) {
    List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/weft").toString(), "lab"));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--name", lab.name()));
    var r = Sh.exec(Map.of(), null, cmd);
    if (r.exit() != 0) fail(cmd + " exited " + r.exit() + ": " + r.err());
    return r.out();
  }

  private String etcd(String key) {
    return Sh.runQuietly("ip", "netns", "exec", lab.paths().underlayNs(), "etcdctl", "--endpoints", "http://172.30.0.1:2379", "get", key,
        "--print-value-only").strip();
  }

  private List<String> etcdKeys(String prefix) {
    return Sh.runQuietly("ip", "netns", "exec", lab.paths().underlayNs(), "etcdctl", "--endpoints", "http://172.30.0.1:2379", "get", prefix,
        "--prefix", "--keys-only").lines().filter(l -> !l.isBlank()).toList();
  }

  /** The one slice of a service, read from etcd, once it satisfies {@code ok}. */
  private JsonNode awaitSlice(String svc, Predicate<JsonNode> ok) throws Exception {
    long deadline = System.currentTimeMillis() + 8000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      List<String> keys = etcdKeys("/weft/endpointslices/default/" + svc + "-").stream()
          .filter(k -> k.matches(".*/" + svc + "-[a-z0-9]{5}")).toList();
      if (keys.size() == 1) {
        last = etcd(keys.getFirst());
        JsonNode s = JSON.readTree(last);
        try {
          if (ok.test(s)) return s;
        } catch (RuntimeException notYet) {
          // an endpoint not there yet
        }
      }
      Thread.sleep(100);
    }
    fail("the slice of " + svc + " never became as expected: " + last);
    return null;
  }

  private static JsonNode endpoint(JsonNode slice, String ip) {
    for (JsonNode e : slice.get("endpoints")) if (e.get("addresses").get(0).asText().equals(ip)) return e;
    throw new IllegalStateException("no endpoint " + ip);
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }

  private static void awaitTrue(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 8000;
    while (!c.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) fail(what + ": not within 8 s");
      Thread.sleep(100);
    }
  }
}
