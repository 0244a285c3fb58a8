package dev.weft.lab;

import static dev.weft.lab.LabProbes.inNs;
import static dev.weft.lab.LabProbes.inNsResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.lab.LabProbes.LineRecorder;
import dev.weft.lab.ServiceProbes.Outcome;
import dev.weft.lab.ServiceProbes.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #4, section 3, first bullet: Services end to end in a real 3-node lab, once per service proxy backend
 * ({@code weft lab up --proxy nftables}, then {@code --proxy iptables}; one lab each, shared by the scenarios, which
 * run in order with the disruptive ones last). Services are applied as Kubernetes manifests through the real CLI
 * ({@code dist/bin/weft apply -f -}), pods are changed through {@code dist/bin/weft lab pod ...} where the scenario is
 * about that change, and every claim is checked with traffic from inside the lab's namespaces (plain sockets: an
 * answer names the pod and the client address it saw; refusals and timeouts are told apart and timed), with
 * {@code etcdctl watch}, {@code nft}/{@code iptables-save} in the node namespaces as independent observers.
 *
 * <p>Pods: web-1, web-4 on node-1, web-2 on node-2, web-3 on node-3 ({@code app=web}, and {@code id=<name>});
 * clients cl-1/2/3, one per node ({@code role=client}: never an endpoint); loc-1 on node-1 and loc-3 on node-3
 * ({@code app=loc}: the Local policy service has no endpoint on node-2); u-1 on node-2 and u-2 on node-3 ({@code app=udp}); s-1 on node-1 and s-2
 * on node-2 ({@code app=scale}, more added under load); solo-1 on node-2 ({@code app=solo}, its service's only
 * endpoint). Needs {@code make build}.
 */
@RootTest
@ParameterizedClass(name = "--proxy {0}")
@ValueSource(strings = {"nftables", "iptables"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceScenariosTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ETCD = "http://172.30.0.1:2379";
  private static final String EXT_IP = "172.30.0.200";
  private static final List<String> NODE_IPS = List.of("172.30.0.11", "172.30.0.12", "172.30.0.13");
  private static final Set<String> WEB = Set.of("web-1", "web-2", "web-3", "web-4");
  private static final String EXTERNAL_IP = "198.51.100.7";
  private static final int NP_WEB = 30080, NP_LOC = 30081, HC_LOC = 30082, NP_LB = 30083, NP_EMPTY = 30099;
  /** Requests that should be answered: an answer in the lab takes a few ms. */
  private static final int T = 1000;

  /** A LoadBalancer Service with an externalIP; the source-range scenario re-applies it with ranges. */
  private static final String WEB_LB = """
      apiVersion: v1
      kind: Service
      metadata: {name: web-lb}
      spec:
        type: LoadBalancer
        externalIPs: [%s]
        selector: {app: web}
        ports: [{port: 80, nodePort: %d}]
      """.formatted(EXTERNAL_IP, NP_LB);

  private static final String MANIFESTS = """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: web}
        ports:
        - {name: http, port: 80}
        - {name: echo-udp, port: 7, protocol: UDP}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web-np}
      spec:
        type: NodePort
        selector: {app: web}
        ports: [{port: 80, nodePort: %d}]
      ---
      %s
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: hairpin}
      spec:
        selector: {id: web-1}
        ports: [{port: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: sticky}
      spec:
        selector: {app: web}
        sessionAffinity: ClientIP
        ports: [{port: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: loc}
      spec:
        type: LoadBalancer
        externalTrafficPolicy: Local
        healthCheckNodePort: %d
        selector: {app: loc}
        ports: [{port: 80, nodePort: %d}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: itl}
      spec:
        internalTrafficPolicy: Local
        selector: {app: web}
        ports: [{port: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: empty}
      spec:
        type: NodePort
        selector: {app: nothing}
        ports:
        - {name: http, port: 80, nodePort: %d}
        - {name: echo-udp, port: 7, protocol: UDP}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: udp}
      spec:
        selector: {app: udp}
        ports: [{port: 7, protocol: UDP}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: solo}
      spec:
        selector: {app: solo}
        ports: [{port: 80}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: scale}
      spec:
        selector: {app: scale}
        ports: [{port: 80}]
      """.formatted(NP_WEB, WEB_LB, HC_LOC, NP_LOC, NP_EMPTY);

  /** Ready endpoints each service's slice must show before the scenarios start (per port). */
  private static final Map<String, Integer> READY = Map.ofEntries(Map.entry("web", 4), Map.entry("web-np", 4),
      Map.entry("web-lb", 4), Map.entry("hairpin", 1), Map.entry("sticky", 4), Map.entry("loc", 2), Map.entry("itl", 4), Map.entry("empty", 0),
      Map.entry("udp", 2), Map.entry("scale", 2), Map.entry("solo", 1));

  /** The backend of the current invocation (field injection: PER_CLASS allows no constructor injection). */
  @Parameter String backend;
  private String proxy;
  private Path dist;
  private ScenarioLab scenario;
  private Lab lab;
  private LabPaths paths;
  private final Map<String, LabPod> pods = new LinkedHashMap<>();
  private final Map<String, String> clusterIps = new TreeMap<>();
  private final Map<String, String> ingressIps = new TreeMap<>();
  private final Map<String, String> measured = new LinkedHashMap<>();

  // ------------------------------------------------------------------------------------ lifecycle

  @BeforeParameterizedClassInvocation
  void up(String arg) throws Exception {
    // PER_CLASS: one instance serves both invocations; everything is per lab from here
    proxy = arg;
    assertEquals(backend, arg);
    scenario = null;
    lab = null;
    pods.clear();
    clusterIps.clear();
    ingressIps.clear();
    measured.clear();
    dist = Path.of(System.getProperty("weft.dist", "../dist")).toAbsolutePath().normalize();
    assertTrue(Files.isExecutable(dist.resolve("bin/weft")) && Files.isExecutable(dist.resolve("bin/weft-agent")), "run 'make build' first");
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null) System.setProperty("weft.lab.classpath", cp);
    scenario = new ScenarioLab(new Lab((proxy.equals("nftables") ? "sn" : "si") + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff))),
        "service-scenarios");
    lab = scenario.lab();
    paths = lab.paths();
    long t0 = LabProbes.nowMillis();
    scenario.up(new Lab.UpOptions(3, dist, null, Duration.ofSeconds(90), 0, proxy));
    long t1 = LabProbes.nowMillis();
    for (String[] p : new String[][] {{"web-1", "node-1", "app=web"}, {"web-2", "node-2", "app=web"}, {"web-3", "node-3", "app=web"},
        {"web-4", "node-1", "app=web"}, {"cl-1", "node-1", "role=client"}, {"cl-2", "node-2", "role=client"}, {"cl-3", "node-3", "role=client"},
        {"loc-1", "node-1", "app=loc"}, {"loc-3", "node-3", "app=loc"}, {"u-1", "node-2", "app=udp"}, {"u-2", "node-3", "app=udp"}, {"s-1", "node-1", "app=scale"},
        {"s-2", "node-2", "app=scale"}, {"solo-1", "node-2", "app=solo"}})
      pods.put(p[0], lab.addPod(p[0], p[1], List.of(p[2], "id=" + p[0])));
    long t2 = LabProbes.nowMillis();
    var applied = weftResult(MANIFESTS, "apply", "-f", "-");
    assertEquals(0, applied.exit(), "weft apply: " + applied.err());
    assertEquals(11, applied.out().lines().filter(l -> l.endsWith(" created")).count(), applied.out());
    JsonNode list = JSON.readTree(weft("get", "services", "-o", "json"));
    for (JsonNode s : list.get("items")) {
      String name = s.get("metadata").get("name").asText();
      clusterIps.put(name, s.get("spec").get("clusterIP").asText());
      JsonNode ing = s.get("status").get("loadBalancer").get("ingress");
      if (ing != null && !ing.isEmpty()) ingressIps.put(name, ing.get(0).get("ip").asText());
    }
    assertEquals(READY.keySet(), clusterIps.keySet());
    awaitTrue(Duration.ofSeconds(15), "every service's EndpointSlice has its ready endpoints " + READY, () -> {
      Map<String, Integer> ready = readyEndpoints();
      return READY.entrySet().stream().allMatch(e -> e.getValue().equals(ready.getOrDefault(e.getKey(), 0)));
    });
    long t3 = LabProbes.nowMillis();
    // the rules are there on every node: each client reaches the main ClusterIP
    for (String c : List.of("cl-1", "cl-2", "cl-3"))
      awaitTrue(Duration.ofSeconds(10), c + " reaches service web", () -> ServiceProbes.http(ns(c), clusterIps.get("web"), 80, 300).answered());
    measured.put("lab up (3 nodes, --proxy " + proxy + ")", (t1 - t0) + " ms");
    measured.put("14 pod adds", (t2 - t1) + " ms");
    measured.put("apply 11 services -> slices ready", (t3 - t2) + " ms");
    measured.put("slices ready -> rules on every node", (LabProbes.nowMillis() - t3) + " ms");
  }

  /** On a failure: every node's proxy rules, conntrack table, agent log tail; kept with the logs. */
  @RegisterExtension
  final AfterTestExecutionCallback snapshotOnFailure = ctx -> {
    if (ctx.getExecutionException().isEmpty() || lab == null || !lab.isUp()) return;
    StringBuilder s = new StringBuilder("after " + ctx.getDisplayName() + " (--proxy " + proxy + "): " + ctx.getExecutionException().get() + "\n");
    for (LabConfig.Node n : LabConfig.read(paths).nodes()) {
      s.append("\n=== ").append(n.name()).append('\n');
      for (String[] cmd : List.of(new String[] {"ip", "route"}, new String[] {"nft", "list", "table", "ip", "weft_proxy"}, new String[] {"iptables-save"},
          new String[] {"conntrack", "-L"}))
      {
        Sh.Result r = inNsResult(n.netns(), cmd);
        s.append("$ ").append(String.join(" ", cmd)).append('\n').append(r.out()).append(r.err());
      }
    }
    s.append("\n=== slices\n").append(inNsResult(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "get", "--prefix", "/weft/endpointslices/",
        "--print-value-only").out());
    scenario.snapshot(ctx.getRequiredTestMethod().getName(), s.toString());
  };

  /** Failures name the backend (the report lists both invocations' methods under one name). */
  @RegisterExtension
  final TestExecutionExceptionHandler nameTheBackend = (ctx, t) -> {
    if (t instanceof AssertionError a && !String.valueOf(a.getMessage()).startsWith("--proxy ")) {
      AssertionError named = new AssertionError("--proxy " + proxy + ": " + a.getMessage(), a.getCause());
      named.setStackTrace(a.getStackTrace());
      for (Throwable s : a.getSuppressed()) named.addSuppressed(s);
      throw named;
    }
    throw t;
  };

  @AfterParameterizedClassInvocation
  void down() {
    StringBuilder m = new StringBuilder("ServiceScenariosTest --proxy " + proxy + " measurements (lab " + (lab == null ? "-" : lab.name()) + "):\n");
    measured.forEach((k, v) -> m.append("  ").append(k).append(": ").append(v).append('\n'));
    System.out.print(m);
    try {
      Path f = Path.of("target", "service-scenarios", "measurements-" + proxy + ".txt");
      Files.createDirectories(f.getParent());
      Files.writeString(f, m);
    } catch (java.io.IOException e) {
      System.err.println("measurements: " + e);
    }
    if (scenario != null) scenario.down();
  }

  // ------------------------------------------------------------------------------------ 1. ClusterIP

  @Test
  @Order(1)
  void clusterIpFromPodsOnEveryNodeBalancesOverTheSelectedPods() {
    String ip = clusterIps.get("web");
    Set<String> all = new TreeSet<>();
    for (String c : List.of("cl-1", "cl-2", "cl-3")) {
      List<Reply> rs = ServiceProbes.http(ns(c), ip, 80, 60, T);
      assertAllAnswered(c + " -> web " + ip + ":80/TCP", rs);
      Map<String, Long> hits = hits(rs);
      assertTrue(WEB.containsAll(hits.keySet()), c + ": answers only from the selected pods, got " + hits);
      assertTrue(hits.size() >= 2, c + ": 60 requests spread over >= 2 endpoints, got " + hits);
      for (Reply r : rs) assertEquals(pods.get(c).ip(), r.clientIp(), "pod to ClusterIP keeps the client pod's address: " + r);
      all.addAll(hits.keySet());
      measured.put("ClusterIP TCP from " + c + " (60 requests)", hits.toString());

      List<Reply> us = ServiceProbes.udp(ns(c), ip, 7, 20, T);
      assertAllAnswered(c + " -> web " + ip + ":7/UDP", us);
      Map<String, Long> uhits = hits(us);
      assertTrue(WEB.containsAll(uhits.keySet()), c + ": UDP answers only from the selected pods, got " + uhits);
      assertTrue(uhits.size() >= 2, c + ": 20 UDP flows spread over >= 2 endpoints, got " + uhits);
    }
    assertEquals(WEB, all, "over 180 requests from 3 nodes every endpoint answered");
  }

  // ------------------------------------------------------------------------------------ 2. NodePort

  @Test
  @Order(2)
  void nodePortFromExtViaEveryNode() {
    Set<String> all = new TreeSet<>();
    for (String node : NODE_IPS) {
      List<Reply> rs = ServiceProbes.http(paths.extNs(), node, NP_WEB, 12, T);
      assertAllAnswered("ext -> " + node + ":" + NP_WEB, rs);
      assertTrue(WEB.containsAll(hits(rs).keySet()), "ext via " + node + ": only selected pods, got " + hits(rs));
      all.addAll(hits(rs).keySet());
    }
    assertTrue(all.size() >= 2, "NodePort balanced over several endpoints: " + all);
  }

  // ------------------------------------------------------------------------------------ 3. LoadBalancer, externalIPs

  @Test
  @Order(3)
  void loadBalancerIngressAndExternalIpFromExt() {
    String lbIp = ingressIps.get("web-lb");
    assertNotNull(lbIp, "web-lb has an ingress IP: " + ingressIps);
    awaitTrue(Duration.ofSeconds(10), "ext has a route to " + lbIp, () -> extRoute(lbIp).contains("via 172.30.0.1"));
    List<Reply> rs = ServiceProbes.http(paths.extNs(), lbIp, 80, 12, T);
    assertAllAnswered("ext -> LoadBalancer " + lbIp + ":80", rs);
    assertTrue(WEB.containsAll(hits(rs).keySet()) && hits(rs).size() >= 2, "LB answers from selected pods, balanced: " + hits(rs));

    // the external IP: an upstream router routes it to a node (here node-3), as it would in a real network
    Sh.run("ip", "-n", paths.extNs(), "route", "replace", EXTERNAL_IP + "/32", "via", NODE_IPS.get(2));
    List<Reply> xs = ServiceProbes.http(paths.extNs(), EXTERNAL_IP, 80, 12, T);
    assertAllAnswered("ext -> externalIP " + EXTERNAL_IP + ":80 via node-3", xs);
    assertTrue(WEB.containsAll(hits(xs).keySet()) && hits(xs).size() >= 2, "externalIP answers from selected pods, balanced: " + hits(xs));
    measured.put("LB " + lbIp + " (" + extRoute(lbIp).strip() + "), externalIP " + EXTERNAL_IP, hits(rs) + ", " + hits(xs));
  }

  // ------------------------------------------------------------------------------------ 4. hairpin

  @Test
  @Order(4)
  void hairpinPodReachesItselfThroughItsServiceMasqueraded() {
    LabPod w1 = pods.get("web-1");
    List<Reply> rs = ServiceProbes.http(w1.netns(), clusterIps.get("hairpin"), 80, 5, T);
    assertAllAnswered("web-1 -> its own service hairpin " + clusterIps.get("hairpin"), rs);
    for (Reply r : rs) {
      assertEquals("web-1", r.pod(), "the only endpoint is web-1 itself");
      assertNotEquals(w1.ip(), r.clientIp(), "the hairpinned pod sees a masqueraded source, not its own address: " + r);
    }
    // and through a service with several endpoints, the requests that land on web-1 itself work too
    List<Reply> many = ServiceProbes.http(w1.netns(), clusterIps.get("web"), 80, 60, T);
    assertAllAnswered("web-1 -> web", many);
    List<Reply> self = many.stream().filter(r -> r.pod().equals("web-1")).toList();
    assertFalse(self.isEmpty(), "some of 60 requests landed on web-1 itself: " + hits(many));
    for (Reply r : self) assertNotEquals(w1.ip(), r.clientIp(), "hairpin via web: masqueraded " + r);
    for (Reply r : many) if (!r.pod().equals("web-1")) assertEquals(w1.ip(), r.clientIp(), "to other pods the source is kept: " + r);
    measured.put("hairpin source seen by web-1 (" + w1.ip() + ")", rs.getFirst().clientIp());
  }

  // ------------------------------------------------------------------------------------ 5. affinity

  @Test
  @Order(5)
  void sessionAffinityClientIpKeepsEachClientOnOnePod() {
    Map<String, String> chosen = new TreeMap<>();
    for (String c : List.of("cl-1", "cl-2", "cl-3")) {
      List<Reply> rs = ServiceProbes.http(ns(c), clusterIps.get("sticky"), 80, 20, T);
      assertAllAnswered(c + " -> sticky", rs);
      Map<String, Long> h = hits(rs);
      assertEquals(1, h.size(), c + ": 20 requests with ClientIP affinity reach one pod, got " + h);
      assertTrue(WEB.containsAll(h.keySet()), h.toString());
      chosen.put(c, h.keySet().iterator().next());
    }
    measured.put("sessionAffinity ClientIP: client -> pod", chosen.toString());
  }

  // ------------------------------------------------------------------------------------ 6. Local policies

  @Test
  @Order(6)
  void externalTrafficPolicyLocalKeepsTheSourceAndUsesLocalEndpointsOnly() {
    // node-1 has loc-1, node-3 has loc-3: each answers with its own endpoint only, seeing ext's own address
    for (int i : new int[] {0, 2}) {
      String node = NODE_IPS.get(i), local = i == 0 ? "loc-1" : "loc-3";
      List<Reply> rs = ServiceProbes.http(paths.extNs(), node, NP_LOC, 12, T);
      assertAllAnswered("ext -> " + node + ":" + NP_LOC + " (loc, eTP Local)", rs);
      for (Reply r : rs) {
        assertEquals(local, r.pod(), "externalTrafficPolicy Local via " + node + " uses only that node's endpoint: " + r);
        assertEquals(EXT_IP, r.clientIp(), "externalTrafficPolicy Local keeps the client address: " + r);
      }
    }
    // node-2 has no local endpoint: dropped (no answer, no reset), though the service has endpoints elsewhere
    Reply r2 = ServiceProbes.http(paths.extNs(), NODE_IPS.get(1), NP_LOC, 700);
    assertEquals(Outcome.TIMEOUT, r2.outcome(), "ext -> " + NODE_IPS.get(1) + ":" + NP_LOC + " (no local endpoint) is dropped: " + r2);
    // healthCheckNodePort: 200 where there is a local endpoint, 503 elsewhere
    for (int i = 0; i < 3; i++) {
      boolean has = i != 1;
      ServiceProbes.Http h = ServiceProbes.get(paths.extNs(), NODE_IPS.get(i), HC_LOC, "/healthz", T);
      assertEquals(has ? 200 : 503, h.code(), "healthCheckNodePort " + HC_LOC + " on " + NODE_IPS.get(i) + ": " + h);
      assertTrue(h.body().contains("\"localEndpoints\":" + (has ? 1 : 0)), h.body());
    }
    // the ingress IP: the lab routes it to the first node with an endpoint; the source is kept there too
    String lbIp = ingressIps.get("loc");
    awaitTrue(Duration.ofSeconds(10), "ext routes " + lbIp + " via node-1", () -> extRoute(lbIp).contains("via " + NODE_IPS.get(0)));
    for (Reply r : ServiceProbes.http(paths.extNs(), lbIp, 80, 5, T)) {
      assertEquals(Outcome.ANSWERED, r.outcome(), "ext -> loc ingress " + lbIp + ": " + r);
      assertEquals("loc-1", r.pod(), "ingress IP routed to node-1 with eTP Local: node-1's endpoint: " + r);
      assertEquals(EXT_IP, r.clientIp(), "ingress IP with eTP Local keeps the client address: " + r);
    }
  }

  @Test
  @Order(7)
  void internalTrafficPolicyLocalReachesOnlyEndpointsOnTheClientsNode() {
    Map<String, Set<String>> local = Map.of("cl-1", Set.of("web-1", "web-4"), "cl-2", Set.of("web-2"), "cl-3", Set.of("web-3"));
    for (var e : new TreeMap<>(local).entrySet()) {
      List<Reply> rs = ServiceProbes.http(ns(e.getKey()), clusterIps.get("itl"), 80, 24, T);
      assertAllAnswered(e.getKey() + " -> itl", rs);
      assertEquals(e.getValue(), hits(rs).keySet(), e.getKey() + " (on " + pods.get(e.getKey()).node() + ") reaches exactly its node's endpoints");
    }
  }

  // ------------------------------------------------------------------------------------ 7. no endpoints

  /**
   * The reject must come from the proxy's rules. Note for iptables: its REJECT rules sit in filter FORWARD/OUTPUT (as
   * kube-proxy's), after the routing decision, so a node without a route for the service CIDR (a real node has a
   * default route) answers ENETUNREACH itself, rate-limited, and later connections time out.
   */
  @Test
  @Order(8)
  void serviceWithoutEndpointsRejectsAtOnce() {
    // three independent probes, all checked (a failure names every one that did not reject at once)
    Reply tcp = ServiceProbes.http(ns("cl-1"), clusterIps.get("empty"), 80, 3000);
    Reply udp = ServiceProbes.udp(ns("cl-2"), clusterIps.get("empty"), 7, 1, 3000).getFirst();
    Reply np = ServiceProbes.http(paths.extNs(), NODE_IPS.get(1), NP_EMPTY, 3000);
    measured.put("no endpoints: TCP / UDP / NodePort", tcp + " / " + udp + " / " + np);
    org.junit.jupiter.api.Assertions.assertAll(
        () -> assertTrue(tcp.outcome() == Outcome.REFUSED && tcp.millis() < 300, "cl-1 -> empty ClusterIP:80/TCP refused at once: " + tcp),
        () -> assertTrue(udp.outcome() == Outcome.REFUSED && udp.millis() < 300, "cl-2 -> empty ClusterIP:7/UDP, ICMP port unreachable at once: " + udp),
        () -> assertTrue(np.outcome() == Outcome.REFUSED && np.millis() < 300, "ext -> node-2:" + NP_EMPTY + " (NodePort) refused at once: " + np));
    // and again, right after: a reject is not rate-limited like the kernel's ICMP errors
    List<Reply> again = ServiceProbes.http(ns("cl-1"), clusterIps.get("empty"), 80, 5, 3000);
    assertTrue(again.stream().allMatch(r -> r.outcome() == Outcome.REFUSED && r.millis() < 300), "5 more TCP connections refused at once: " + again);
  }

  // ------------------------------------------------------------------------------------ 9. UDP conntrack

  @Test
  @Order(9)
  void removingAUdpEndpointMovesItsClientFlowWithinASecond() throws Exception {
    String ip = clusterIps.get("udp");
    try (ServiceProbes.UdpStream stream = new ServiceProbes.UdpStream(ns("cl-1"), ip, 7, 50);
        LineRecorder watch = LineRecorder.start(paths.underlayNs(), 300, "etcdctl", "--endpoints", ETCD, "watch", "--prefix",
            "/weft/endpointslices/default/udp-")) {
      awaitTrue(Duration.ofSeconds(5), "the UDP stream is answered", () -> stream.replies().size() >= 10);
      Map<String, Long> before = hits(stream.replies());
      assertEquals(1, before.size(), "one source port = one conntrack entry = one endpoint: " + before);
      String victim = before.keySet().iterator().next(), other = victim.equals("u-1") ? "u-2" : "u-1";
      String victimIp = pods.get(victim).ip();

      // delete the answering pod with a grace period: it keeps answering while terminating, so any datagram it
      // still gets after the switch would be a stale conntrack entry, not a dead pod
      long delStart = LabProbes.nowMillis();
      Thread del = Thread.ofPlatform().start(() -> weftLab("pod", "del", victim, "--grace", "3"));
      LineRecorder.Line terminating = watch.await(0, l -> endpointNotReady(l, victimIp), Duration.ofSeconds(8));
      assertNotNull(terminating, "the slice of udp shows " + victim + " not ready: " + watch.lines());
      Reply switched = awaitReply(stream, r -> r.pod().equals(other), Duration.ofSeconds(5));
      assertNotNull(switched, "the flow reached " + other + " after " + victim + " was removed: " + hits(stream.replies()));
      long ms = switched.atMillis() - terminating.millis();
      measured.put("UDP flow answered by the other endpoint, after: 'weft lab pod del' started / the slice showed it not ready (etcdctl watch)",
          (switched.atMillis() - delStart) + " ms / " + ms + " ms");
      LabProbes.sleep(1000); // still within the victim's grace period: it would answer if the flow still went there
      List<Reply> after = stream.replies().stream().filter(r -> r.atMillis() > switched.atMillis()).toList();
      del.join(15_000);
      assertNull(stream.failure(), stream.failure());
      assertTrue(after.size() >= 10 && after.stream().allMatch(r -> r.pod().equals(other)),
          "after the switch every datagram goes to " + other + ": " + hits(after));
      assertTrue(ms <= 1000, "the UDP flow followed the endpoint removal within ~1 s: " + ms + " ms");
    }
  }

  // ------------------------------------------------------------------------------------ 8. scaling under load

  @Test
  @Order(10)
  void endpointsScaleUpAndDownUnderLoadWithoutAFailedRequest() {
    String ip = clusterIps.get("scale");
    List<String[]> steps = new ArrayList<>();
    long t0, readyFalseAt, s2DeletedAt;
    List<Reply> rs;
    try (ServiceProbes.LoadLoop load = new ServiceProbes.LoadLoop(ns("cl-3"), ip, 80, 20, T)) {
      t0 = LabProbes.nowMillis();
      LabProbes.sleep(1000);
      steps.add(step(t0, "pod add s-3", () -> weftLab("pod", "add", "s-3", "--node", "node-3", "--label", "app=scale")));
      steps.add(step(t0, "pod add s-4", () -> weftLab("pod", "add", "s-4", "--node", "node-1", "--label", "app=scale")));
      LabProbes.sleep(1500);
      steps.add(step(t0, "pod ready s-1 false", () -> weftLab("pod", "ready", "s-1", "--ready=false")));
      readyFalseAt = LabProbes.nowMillis();
      LabProbes.sleep(1500);
      steps.add(step(t0, "pod del s-2 --grace 2", () -> weftLab("pod", "del", "s-2", "--grace", "2")));
      s2DeletedAt = LabProbes.nowMillis();
      steps.add(step(t0, "pod ready s-1 true", () -> weftLab("pod", "ready", "s-1", "--ready=true")));
      steps.add(step(t0, "pod del s-4 --grace 2", () -> weftLab("pod", "del", "s-4", "--grace", "2")));
      LabProbes.sleep(1000);
      rs = load.results();
      assertNull(load.failure(), load.failure());
    }
    long span = rs.getLast().atMillis() - rs.getFirst().atMillis();
    List<Reply> failed = rs.stream().filter(r -> !r.answered()).toList();
    String timeline = steps.stream().map(s -> "+" + s[0] + " ms " + s[1]).collect(Collectors.joining(", "));
    measured.put("scale under load: " + rs.size() + " requests over " + span + " ms, failed", failed.size() + " (" + timeline + ")");
    measured.put("scale under load: answers per pod", hits(rs.stream().filter(Reply::answered).toList()).toString());
    assertTrue(rs.size() >= 100, "the loop ran: " + rs.size() + " requests");
    assertEquals(List.of(), failed.stream().map(r -> "+" + (r.atMillis() - t0) + " ms " + r).toList(),
        "no failed request while endpoints scale (" + timeline + ")");
    Set<String> seen = hits(rs).keySet();
    assertTrue(seen.containsAll(Set.of("s-1", "s-2", "s-3", "s-4")), "every endpoint served some requests: " + seen);
    assertTrue(rs.stream().filter(r -> r.atMillis() > readyFalseAt + 1500 && r.atMillis() < s2DeletedAt).noneMatch(r -> r.pod().equals("s-1")),
        "s-1 not ready: no new connection reaches it (1.5 s after 'pod ready s-1 --ready=false' returned)");
    assertTrue(rs.stream().filter(r -> r.atMillis() > s2DeletedAt).noneMatch(r -> r.pod().equals("s-2")), "s-2 deleted: never answers again");
  }

  // ------------------------------------------------------------------------------------ terminating fallback

  @Test
  @Order(11)
  void theLastEndpointKeepsServingWhileTerminatingThenTheServiceRejects() {
    String ip = clusterIps.get("solo");
    long grace = 2000, delStart, delEnd;
    List<Reply> rs;
    try (ServiceProbes.LoadLoop load = new ServiceProbes.LoadLoop(ns("cl-1"), ip, 80, 20, T)) {
      LabProbes.sleep(500);
      delStart = LabProbes.nowMillis();
      weftLab("pod", "del", "solo-1", "--grace", "2");
      delEnd = LabProbes.nowMillis();
      LabProbes.sleep(1500);
      rs = load.results();
      assertNull(load.failure(), load.failure());
    }
    // terminating but serving, and no ready endpoint left: kube-proxy keeps using it (ProxyTerminatingEndpoints)
    List<Reply> during = rs.stream().filter(r -> r.atMillis() < delStart + grace - 300).toList();
    assertTrue(during.size() >= 20, "requests during the grace period: " + during.size());
    assertAllAnswered("solo during solo-1's grace period (its only endpoint, terminating)", during);
    assertTrue(during.stream().allMatch(r -> r.pod().equals("solo-1")), hits(during).toString());
    // gone: no endpoint, the service rejects at once (the loop's last second, then 3 more connections)
    List<Reply> after = new ArrayList<>(rs.stream().filter(r -> r.atMillis() > delEnd + 1000).toList());
    after.addAll(ServiceProbes.http(ns("cl-1"), ip, 80, 3, 3000));
    assertTrue(after.stream().allMatch(r -> r.outcome() == Outcome.REFUSED && r.millis() < 300),
        "after its last endpoint is gone the service rejects at once: " + after.stream().map(Reply::toString).distinct().toList());
    List<Reply> failedMid = rs.stream().filter(r -> r.atMillis() >= delStart && r.atMillis() <= delEnd + 1000 && !r.answered()).toList();
    measured.put("last endpoint deleted (grace 2 s): answered during grace / not answered around removal / refused after",
        during.size() + " / " + failedMid.size() + " / " + after.size());
  }

  // ------------------------------------------------------------------------------------ 10. the other backend

  @Test
  @Order(12)
  void onlyThisBackendsRulesAndARestartedAgentRemovesTheOthers() {
    // every node: this backend's rules, none of the other's
    for (LabConfig.Node n : LabConfig.read(paths).nodes()) {
      boolean nftTable = inNsResult(n.netns(), "nft", "list", "table", "ip", "weft_proxy").exit() == 0;
      Set<String> iptChains = proxyChains(inNs(n.netns(), "iptables-save"));
      if (proxy.equals("nftables")) {
        assertTrue(nftTable, n.name() + ": table ip weft_proxy");
        assertEquals(Set.of(), iptChains, n.name() + ": no iptables proxy chains with --proxy nftables");
      } else {
        assertFalse(nftTable, n.name() + ": no table ip weft_proxy with --proxy iptables");
        assertTrue(iptChains.containsAll(Set.of("WEFT-SERVICES", "WEFT-NODEPORTS", "WEFT-POSTROUTING")), n.name() + ": " + iptChains);
      }
    }
    // switching: node-2 carries the other backend's rules (left by an agent that ran with the other --proxy); the lab
    // cannot restart agents with another --proxy, so a restart of the agent with this one must remove them
    LabConfig.Node n2 = LabConfig.read(paths).node("node-2");
    if (proxy.equals("nftables")) {
      String leftover = """
          *nat
          :WEFT-SERVICES - [0:0]
          :WEFT-NODEPORTS - [0:0]
          :WEFT-SVC-LEFTOVER2AAAAAAAA - [0:0]
          :WEFT-SEP-LEFTOVER2AAAAAAAA - [0:0]
          -A PREROUTING -m comment --comment "weft service portals" -j WEFT-SERVICES
          -A OUTPUT -m comment --comment "weft service portals" -j WEFT-SERVICES
          -A WEFT-SERVICES -d 10.96.0.99/32 -p tcp -m tcp --dport 80 -j WEFT-SVC-LEFTOVER2AAAAAAAA
          -A WEFT-SERVICES -m addrtype --dst-type LOCAL -j WEFT-NODEPORTS
          -A WEFT-SVC-LEFTOVER2AAAAAAAA -j WEFT-SEP-LEFTOVER2AAAAAAAA
          -A WEFT-SEP-LEFTOVER2AAAAAAAA -p tcp -m tcp -j DNAT --to-destination 10.244.0.99:80
          COMMIT
          *filter
          :WEFT-FORWARD - [0:0]
          -A FORWARD -m comment --comment "weft forwarding rules" -j WEFT-FORWARD
          COMMIT
          """;
      var r = Sh.exec(Map.of(), leftover.getBytes(StandardCharsets.UTF_8), List.of("ip", "netns", "exec", n2.netns(), "iptables-restore", "--noflush"));
      assertEquals(0, r.exit(), "iptables-restore: " + r.err());
      assertEquals(Set.of("WEFT-SERVICES", "WEFT-NODEPORTS", "WEFT-SVC-LEFTOVER2AAAAAAAA", "WEFT-SEP-LEFTOVER2AAAAAAAA", "WEFT-FORWARD"),
          proxyChains(inNs(n2.netns(), "iptables-save")));
    } else {
      String leftover = """
          table ip weft_proxy {
            set cluster_ips { type ipv4_addr; elements = { 10.96.0.99 } }
            chain prerouting {
              type nat hook prerouting priority dstnat; policy accept;
              ip daddr 10.96.0.99 tcp dport 80 dnat to 10.244.0.99:80
            }
            chain output {
              type nat hook output priority -100; policy accept;
              ip daddr @cluster_ips tcp dport 80 dnat to 10.244.0.99:80
            }
          }
          """;
      var r = Sh.exec(Map.of(), leftover.getBytes(StandardCharsets.UTF_8), List.of("ip", "netns", "exec", n2.netns(), "nft", "-f", "-"));
      assertEquals(0, r.exit(), "nft -f: " + r.err());
      assertEquals(0, inNsResult(n2.netns(), "nft", "list", "table", "ip", "weft_proxy").exit());
    }
    LabStatus.NodeStatus before = nodeStatus("node-2");
    long t0 = LabProbes.nowMillis();
    Sh.run("kill", "-KILL", Long.toString(before.agentPid()));
    awaitTrue(Duration.ofSeconds(30), "node-2's agent restarted and ready", () -> {
      long pid = nodeStatus("node-2").agentPid();
      return pid != 0 && pid != before.agentPid() && LabProbes.httpStatus(n2.netns(), n2.underlayIp(), LabConfig.AGENT_HTTP_PORT, "/readyz", 300) == 200;
    });
    long ready = LabProbes.nowMillis();
    measured.put("node-2 agent SIGKILL -> restarted and ready", (ready - t0) + " ms");
    // the agent is ready before its proxy has started (the proxy starts once the agent is ready): allow it a moment
    if (proxy.equals("nftables")) {
      awaitTrue(Duration.ofSeconds(5), "the restarted agent removed the iptables backend's rules on node-2",
          () -> proxyChains(inNs(n2.netns(), "iptables-save")).isEmpty());
      assertEquals(0, inNsResult(n2.netns(), "nft", "list", "table", "ip", "weft_proxy").exit(), "its own table is there");
    } else {
      awaitTrue(Duration.ofSeconds(5), "the restarted agent removed table ip weft_proxy on node-2",
          () -> inNsResult(n2.netns(), "nft", "list", "table", "ip", "weft_proxy").exit() != 0);
      assertTrue(proxyChains(inNs(n2.netns(), "iptables-save")).contains("WEFT-SERVICES"), "its own chains are there");
    }
    measured.put("node-2 agent ready -> the other backend's rules gone", (LabProbes.nowMillis() - ready) + " ms");
    // and node-2 still serves: NodePort from ext, ClusterIP from its pod
    assertAllAnswered("ext -> node-2:" + NP_WEB + " after the restart", ServiceProbes.http(paths.extNs(), NODE_IPS.get(1), NP_WEB, 6, T));
    assertAllAnswered("cl-2 -> web after the restart", ServiceProbes.http(ns("cl-2"), clusterIps.get("web"), 80, 6, T));
  }

  // ------------------------------------------------------------------------------------ 13. loadBalancerSourceRanges

  @Test
  @Order(13)
  void loadBalancerSourceRangesKeepOthersOffTheIngressIpOnly() {
    String lbIp = ingressIps.get("web-lb");
    int np = NP_LB;
    String webLb = WEB_LB;
    String node = extRoute(lbIp).replaceAll(".*via (\\S+).*", "$1").strip();
    // only a range ext is not in: its packets to the ingress IP are dropped (no answer, no reset) ...
    var r = weftResult(webLb + "  loadBalancerSourceRanges: [192.0.2.0/24]\n", "apply", "-f", "-");
    assertEquals(0, r.exit(), "weft apply: " + r.err());
    long t0 = LabProbes.nowMillis();
    awaitTrue(Duration.ofSeconds(10), "ext -> " + lbIp + " dropped", () -> ServiceProbes.http(paths.extNs(), lbIp, 80, 300).outcome() == Outcome.TIMEOUT);
    measured.put("source ranges applied -> ingress IP closed to ext", (LabProbes.nowMillis() - t0) + " ms");
    for (Reply x : ServiceProbes.http(paths.extNs(), lbIp, 80, 3, 500))
      assertEquals(Outcome.TIMEOUT, x.outcome(), "ext is outside the source ranges: dropped, not answered or refused: " + x);
    // ... while the same Service's NodePort (on the node the ingress route points at) and externalIP still answer ext
    assertAllAnswered("ext -> " + node + ":" + np + " (NodePort, not filtered)", ServiceProbes.http(paths.extNs(), node, np, 4, T));
    assertAllAnswered("ext -> externalIP " + EXTERNAL_IP + " (not filtered)", ServiceProbes.http(paths.extNs(), EXTERNAL_IP, 80, 4, T));
    // a range holding ext's address opens the ingress IP to it, with its address kept up to the proxy's check
    r = weftResult(webLb + "  loadBalancerSourceRanges: [" + EXT_IP + "/32]\n", "apply", "-f", "-");
    assertEquals(0, r.exit(), "weft apply: " + r.err());
    awaitTrue(Duration.ofSeconds(10), "ext -> " + lbIp + " answered again", () -> ServiceProbes.http(paths.extNs(), lbIp, 80, 300).answered());
    assertAllAnswered("ext (in " + EXT_IP + "/32) -> " + lbIp, ServiceProbes.http(paths.extNs(), lbIp, 80, 6, T));
    // no ranges: open to all, as before
    r = weftResult(webLb, "apply", "-f", "-");
    assertEquals(0, r.exit(), "weft apply: " + r.err());
    awaitTrue(Duration.ofSeconds(10), "ext -> " + lbIp + " with no source ranges", () -> ServiceProbes.http(paths.extNs(), lbIp, 80, 300).answered());
  }

  // ------------------------------------------------------------------------------------ helpers

  private String ns(String pod) {
    return pods.get(pod).netns();
  }

  private static Map<String, Long> hits(List<Reply> rs) {
    return rs.stream().filter(Reply::answered).collect(Collectors.groupingBy(Reply::pod, TreeMap::new, Collectors.counting()));
  }

  private static void assertAllAnswered(String what, List<Reply> rs) {
    List<Reply> bad = rs.stream().filter(r -> !r.answered()).toList();
    if (!bad.isEmpty()) fail(what + ": " + bad.size() + " of " + rs.size() + " not answered, first: " + bad.getFirst());
  }

  private static Reply awaitReply(ServiceProbes.UdpStream s, Predicate<Reply> p, Duration timeout) {
    long deadline = LabProbes.nowMillis() + timeout.toMillis();
    while (LabProbes.nowMillis() < deadline) {
      for (Reply r : s.replies()) if (p.test(r)) return r;
      LabProbes.sleep(10);
    }
    return null;
  }

  /** True for an {@code etcdctl watch} value line: a slice whose endpoint {@code ip} is there and not ready. */
  private static boolean endpointNotReady(String line, String ip) {
    if (!line.startsWith("{")) return false;
    try {
      for (JsonNode e : JSON.readTree(line).path("endpoints"))
        if (e.path("addresses").path(0).asText().equals(ip) && !e.path("conditions").path("ready").asBoolean(true)) return true;
    } catch (java.io.IOException e) {
      return false;
    }
    return false;
  }

  /** Ready endpoints per service (counting each address once), read from etcd. */
  private Map<String, Integer> readyEndpoints() throws java.io.IOException {
    String out = inNs(paths.underlayNs(), "etcdctl", "--endpoints", ETCD, "get", "--prefix", "/weft/endpointslices/", "--print-value-only");
    Map<String, Integer> n = new TreeMap<>();
    try (var it = JSON.readerFor(JsonNode.class).<JsonNode>readValues(out)) {
      while (it.hasNext()) {
        JsonNode s = it.next();
        String svc = s.path("metadata").path("labels").path("kubernetes.io/service-name").asText();
        int ready = 0;
        for (JsonNode e : s.path("endpoints")) if (e.path("conditions").path("ready").asBoolean(false)) ready++;
        n.merge(svc, ready, Integer::sum);
      }
    }
    return n;
  }

  private String extRoute(String ip) {
    return Sh.runQuietly("ip", "-n", paths.extNs(), "route", "show", ip + "/32");
  }

  private static Set<String> proxyChains(String save) {
    Set<String> out = new TreeSet<>();
    for (String l : save.lines().toList())
      if (l.matches(":WEFT-(SERVICES|NODEPORTS|POSTROUTING|MARK-MASQ|EXTERNAL-SERVICES|FORWARD|SVC-|SVL-|EXT-|SEP-).*")) out.add(l.substring(1, l.indexOf(' ')));
    return out;
  }

  private LabStatus.NodeStatus nodeStatus(String node) {
    return lab.status().nodes().stream().filter(n -> n.node().name().equals(node)).findFirst().orElseThrow();
  }

  private static String[] step(long t0, String what, Runnable r) {
    long s = LabProbes.nowMillis();
    r.run();
    return new String[] {Long.toString(s - t0), what + " (" + (LabProbes.nowMillis() - s) + " ms)"};
  }

  private Sh.Result weftResult(String stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(dist.resolve("bin/weft").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--lab", lab.name()));
    return Sh.exec(Map.of(), stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), cmd);
  }

  private String weft(String... args) {
    var r = weftResult(null, args);
    if (r.exit() != 0) fail("weft " + String.join(" ", args) + " exited " + r.exit() + ": " + r.err() + r.out());
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

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void awaitTrue(Duration timeout, String what, Check c) {
    long deadline = LabProbes.nowMillis() + timeout.toMillis();
    while (true) {
      try {
        if (c.ok()) return;
      } catch (Exception e) {
        // not yet
      }
      if (LabProbes.nowMillis() > deadline) throw new AssertionError("not true after " + timeout.toSeconds() + " s: " + what);
      LabProbes.sleep(50);
    }
  }

}
