package dev.weft.lab;

import static dev.weft.lab.LabProbes.inNs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab end to end, on the real kernel: up, pods on two nodes, status against {@code ip -j}, HTTP/echo
 * answers (pod to pod, external client to pod, pod to outside), an agent SIGKILLed and restarted, pod del,
 * down leaving nothing. Uses {@code dist/} (weft-cni) and the real weft-agent when built, else the stand-in in
 * test resources (then the cross-node part is skipped).
 */
@RootTest
class LabE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path dist;
  private static Path agent;
  private static boolean realAgent;
  private final List<Lab> labs = new ArrayList<>();

  @BeforeAll
  static void binaries() throws Exception {
    dist = Path.of(System.getProperty("weft.dist", "../dist")).toAbsolutePath().normalize();
    assertTrue(Files.isExecutable(dist.resolve("bin/weft-cni")), "run 'make build' first: no " + dist.resolve("bin/weft-cni"));
    Path real = dist.resolve("bin/weft-agent");
    realAgent = Files.isExecutable(real) && !Boolean.getBoolean("weft.lab.standin"); // -Dweft.lab.standin=true: test with the stand-in
    if (realAgent) {
      agent = real;
    } else {
      agent = Path.of(LabE2ETest.class.getResource("/standin/weft-agent").toURI());
      agent.toFile().setExecutable(true);
    }
    // the supervisor is started with this JVM's class path: surefire's real one, not its manifest-only jar
    String cp = System.getProperty("surefire.test.class.path");
    if (cp != null) System.setProperty("weft.lab.classpath", cp);
  }

  private Lab newLab() {
    Lab lab = new Lab("e2e" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)));
    labs.add(lab);
    return lab;
  }

  @AfterEach
  void cleanUp() {
    for (Lab lab : labs) {
      try {
        lab.down(null);
      } catch (RuntimeException e) {
        System.err.println("clean-up of " + lab.name() + ": " + e.getMessage());
      }
    }
  }

  private static Lab.UpOptions opts(int nodes) {
    return new Lab.UpOptions(nodes, dist, agent, Duration.ofSeconds(90), 0);
  }

  @Test
  void twoNodeLab() throws Exception {
    Lab lab = newLab();
    LabPaths paths = lab.paths();
    var out = new ByteArrayOutputStream();
    lab.up(opts(2), new PrintStream(out, true));
    assertTrue(out.toString().contains("ready in"), out.toString());

    LabPod a = lab.addPod("web-a", "node-1", List.of("app=web", "tier=front"));
    LabPod b = lab.addPod("web-b", "node-1", List.of("app=web"));
    LabPod c = lab.addPod("web-c", "node-2", List.of());

    // status -o json against the kernel, observed with ip -j
    JsonNode st = JSON.readTree(lab.status().toJsonString());
    assertEquals(2, st.get("nodes").size());
    for (JsonNode n : st.get("nodes")) {
      for (String f : List.of("name", "netns", "underlayIp", "podCidr")) assertTrue(n.hasNonNull(f), f + " in " + n);
      assertEquals(Set.of(n.get("underlayIp").asText()), ipv4Of(n.get("netns").asText(), "eth0"));
      assertTrue(n.get("agent").get("ready").asBoolean(), n.toString());
    }
    assertEquals(3, st.get("pods").size());
    for (JsonNode p : st.get("pods")) {
      for (String f : List.of("name", "node", "netns", "ip", "labels")) assertTrue(p.has(f), f + " in " + p);
      assertEquals(Set.of(p.get("ip").asText()), ipv4Of(p.get("netns").asText(), "eth0"), "pod " + p);
      JsonNode node = find(st.get("nodes"), p.get("node").asText());
      assertTrue(IpPrefix.parse(node.get("podCidr").asText()).contains(IpPrefix.parseAddress(p.get("ip").asText())), p + " in " + node);
      assertTrue(p.get("ready").asBoolean());
    }
    assertEquals("front", find(st.get("pods"), "web-a").get("labels").get("tier").asText());
    assertEquals(paths.extNs(), st.get("external").get("netns").asText());
    assertEquals(Set.of(st.get("external").get("ip").asText()), ipv4Of(paths.extNs(), "eth0"));

    // the pods answer: pod -> pod (same node), echo TCP and UDP, ext -> pod, pod -> ext (masqueraded)
    assertEquals("pod=web-b node=node-1 client=" + a.ip(), clientless(curl(a.netns(), b.ip())));
    assertEquals("pod=web-b client=" + a.ip() + "\nping", clientless(inNs(a.netns(), "sh", "-c", "echo ping | socat -t2 - TCP:" + b.ip() + ":7")));
    assertEquals("pod=web-b client=" + a.ip() + "\nping", clientless(inNs(a.netns(), "sh", "-c", "echo ping | socat -t2 - UDP:" + b.ip() + ":7")));
    String extIp = st.get("external").get("ip").asText();
    assertEquals("pod=web-c node=node-2 client=" + extIp, clientless(curl(paths.extNs(), c.ip())));
    assertEquals("host=ext client=" + find(st.get("nodes"), "node-1").get("underlayIp").asText(), clientless(curl(a.netns(), extIp)));

    // the pods are Kubernetes Pods in etcd
    JsonNode podA = JSON.readTree(etcdGet(lab, "/weft/pods/default/web-a"));
    assertEquals("node-1", podA.get("spec").get("nodeName").asText());
    assertEquals(a.ip(), podA.get("status").get("podIP").asText());
    assertEquals("web", podA.get("metadata").get("labels").get("app").asText());
    assertEquals("True", podA.get("status").get("conditions").get(0).get("status").asText());

    // exec passes the exit code through
    assertEquals(3, lab.exec("web-c", List.of("sh", "-c", "exit 3")));
    assertEquals(0, lab.exec("node-2", List.of("true")));

    // clean errors
    assertEquals("pod web-a already exists (on node-1, " + a.ip() + ")", assertThrows(LabException.class, () -> lab.addPod("web-a", "node-2", List.of())).getMessage());
    assertEquals("node node-7 does not exist (nodes: node-1, node-2)", assertThrows(LabException.class, () -> lab.addPod("x", "node-7", List.of())).getMessage());
    assertTrue(assertThrows(LabException.class, () -> lab.up(opts(2), new PrintStream(new ByteArrayOutputStream()))).getMessage().contains("is already up"));
    // a CNI failure: a broken conflist that sorts first is what a runtime would use; the pod is removed again
    Path broken = paths.cniConfDir("node-2").resolve("00-broken.conflist");
    Files.writeString(broken, """
        {"cniVersion":"1.0.0","name":"broken","plugins":[{"type":"weft-cni","bridge":"cni9","ipam":{"type":"weft-ipam","ranges":[[{"subnet":"not-a-subnet"}]]}}]}
        """);
    String msg = assertThrows(LabException.class, () -> lab.addPod("web-x", "node-2", List.of())).getMessage();
    Files.delete(broken);
    assertTrue(msg.startsWith("pod web-x: CNI ADD on node-2 failed: weft-cni: ") && msg.contains("not-a-subnet"), msg);
    assertFalse(Files.exists(Path.of("/run/netns", paths.podNs("web-x"))));
    assertFalse(Files.exists(paths.podFile("web-x")));

    if (realAgent) { // across nodes, through the overlay
      assertEquals("pod=web-c node=node-2 client=" + a.ip(), clientless(curl(a.netns(), c.ip())));
      assertEquals("pod=web-a client=" + c.ip() + "\nping", clientless(inNs(c.netns(), "sh", "-c", "echo ping | socat -t2 - UDP:" + a.ip() + ":7")));
    }

    // an agent killed with SIGKILL comes back (DaemonSet-like), with weft-agent in its command line
    LabStatus.NodeStatus before = lab.status().nodes().getFirst();
    long pid = before.agentPid();
    assertTrue(pid > 0);
    Sh.run("kill", "-9", Long.toString(pid));
    long deadline = System.currentTimeMillis() + 15_000;
    LabStatus.NodeStatus n1;
    do {
      Thread.sleep(100);
      n1 = lab.status().nodes().getFirst();
    } while ((n1.agentPid() == 0 || n1.agentPid() == pid || !n1.ready()) && System.currentTimeMillis() < deadline);
    assertNotEquals(pid, n1.agentPid(), "agent restarted");
    assertTrue(n1.ready(), "restarted agent ready");
    assertEquals(before.restarts() + 1, n1.restarts(), () -> readQuietly(paths.supervisorLog()));
    String agentCmdline = Files.readString(Path.of("/proc/" + n1.agentPid() + "/cmdline")).replace('\0', ' ');
    assertEquals(Procs.netnsInode(Path.of("/run/netns", paths.nodeNs("node-1"))), Procs.netnsInode(Path.of("/proc/" + n1.agentPid() + "/ns/net")));
    assertEquals("pod=web-b node=node-1 client=" + a.ip(), clientless(curl(a.netns(), b.ip())));

    // pod del: namespace, veth, reservation, store entry gone
    lab.deletePod("web-b");
    assertFalse(Files.exists(Path.of("/run/netns", b.netns())));
    assertFalse(Sh.runQuietly("ip", "-n", paths.nodeNs("node-1"), "-o", "link").contains("weft:weft:" + b.containerId()));
    assertTrue(Files.list(paths.ipamDataDir("node-1").resolve("weft")).noneMatch(f -> f.getFileName().toString().equals(b.ip())));
    assertEquals("", etcdGet(lab, "/weft/pods/default/web-b"));
    assertEquals(List.of("web-a", "web-c"), lab.status().pods().stream().map(p -> p.pod().name()).toList());
    assertEquals("pod web-b does not exist (pods: web-a, web-c)", assertThrows(LabException.class, () -> lab.deletePod("web-b")).getMessage());

    lab.down(null);
    assertNothingLeft(lab);
    // last, so that everything above is checked whatever the launcher does
    assertTrue(agentCmdline.contains("weft-agent"), "the agent's process must carry weft-agent in its command line (issue #3): " + agentCmdline);
  }

  @Test
  void downAfterSupervisorCrash() throws Exception {
    Lab lab = newLab();
    lab.up(opts(1), new PrintStream(new ByteArrayOutputStream()));
    lab.addPod("p1", "node-1", List.of());
    long supervisor = lab.status().supervisor().pid();
    Sh.run("kill", "-9", Long.toString(supervisor));
    Thread.sleep(300);
    assertFalse(lab.status().supervisorAlive());
    assertTrue(lab.status().toTable().contains("supervisor NOT RUNNING"));
    // etcd and the agent are orphans now; down finds them by namespace and marker
    assertFalse(markedProcesses(lab).isEmpty());
    String summary = lab.down(null);
    assertTrue(summary.startsWith("lab " + lab.name() + " is down"), summary);
    assertNothingLeft(lab);
    assertEquals("lab " + lab.name() + " is not up (nothing to remove)", lab.down(null));
  }

  @Test
  void failedUpRemovesEverything() {
    Lab lab = newLab();
    var opts = new Lab.UpOptions(1, dist, Path.of("/bin/false"), Duration.ofSeconds(4), 0); // an agent that never gets ready
    var err = assertThrows(LabException.class, () -> lab.up(opts, new PrintStream(new ByteArrayOutputStream())));
    assertTrue(err.getMessage().contains("not ready after 4 s: weft-agent on node-1"), err.getMessage());
    assertNothingLeft(lab);
  }

  // ---------------------------------------------------------------------------------------------

  private static void assertNothingLeft(Lab lab) {
    LabPaths paths = lab.paths();
    List<String> ns = Sh.runQuietly("ip", "netns", "list").lines().filter(l -> l.startsWith(paths.nsPrefix())).toList();
    assertEquals(List.of(), ns, "namespaces left");
    assertEquals(List.of(), markedProcesses(lab), "processes left");
    assertFalse(Files.exists(paths.stateDir()), "state dir left");
  }

  private static String readQuietly(Path f) {
    try {
      return Files.readString(f);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static List<String> markedProcesses(Lab lab) {
    return Sh.runQuietly("pgrep", "-af", lab.paths().stateDir().toString() + "/").lines()
        .filter(l -> !l.contains("pgrep")).toList();
  }

  private static Set<String> ipv4Of(String ns, String dev) {
    Set<String> out = new HashSet<>();
    for (JsonNode l : Sh.ip(ns, "-4", "addr", "show", "dev", dev))
      for (JsonNode a : l.get("addr_info")) out.add(a.get("local").asText());
    return out;
  }

  private static JsonNode find(JsonNode array, String name) {
    for (JsonNode n : array) if (n.get("name").asText().equals(name)) return n;
    throw new AssertionError(name + " not in " + array);
  }


  private static String curl(String ns, String ip) {
    return inNs(ns, "curl", "-sS", "-m", "5", "http://" + ip + "/");
  }

  /** The answer without the client's port (ephemeral) and trailing newline. */
  private static String clientless(String s) {
    return s.strip().replaceAll("(client=[0-9.]+):[0-9]+", "$1");
  }

  private static String etcdGet(Lab lab, String key) {
    return inNs(lab.paths().underlayNs(), "etcdctl", "--endpoints", "http://172.30.0.1:2379", "get", key, "--print-value-only").strip();
  }
}
