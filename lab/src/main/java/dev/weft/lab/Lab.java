package dev.weft.lab;

import dev.weft.kernel.FileLock;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Rtnl;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The lab's operations behind {@code weft lab ...}: {@link #up}, {@link #down}, {@link #status},
 * {@link #addPod}, {@link #deletePod}, {@link #exec}, {@link #hint}. Failures the user can act on are
 * {@link LabException}s with a one-line message.
 */
public final class Lab {
  private final LabPaths paths;

  public Lab(String name) {
    this.paths = new LabPaths(name == null ? LabPaths.DEFAULT_LAB : name);
  }

  public LabPaths paths() {
    return paths;
  }

  public String name() {
    return paths.lab();
  }

  /**
   * How {@link #up} finds its binaries. {@code agent} null = {@code <dist>/bin/weft-agent}; {@code proxy} the service
   * proxy backend of every agent (null = nftables).
   */
  public record UpOptions(int nodes, Path dist, Path agent, Duration timeout, int pods, String proxy) {
    public UpOptions(int nodes, Path dist, Path agent, Duration timeout, int pods) {
      this(nodes, dist, agent, timeout, pods, LabConfig.DEFAULT_PROXY);
    }
  }

  /** How long {@code weft lab pod del} keeps a pod terminating (serving, not ready) before removing it. */
  public static final Duration DEFAULT_GRACE = Duration.ofSeconds(2);

  // ------------------------------------------------------------------------------------------ up

  public LabStatus up(UpOptions o, PrintStream out) {
    if (isUp()) {
      throw new LabException("lab " + name() + " is already up (" + LabConfig.read(paths).nodes().size()
          + " nodes): see 'weft lab status" + nameFlag() + "', or 'weft lab down" + nameFlag() + "' first");
    }
    if (hasLeftovers())
      throw new LabException("lab " + name() + " has leftovers of an earlier run (" + describeLeftovers()
          + "): run 'weft lab down" + nameFlag() + "' first");
    Path dist = o.dist();
    if (dist == null) throw new LabException("cannot find the weft distribution: run through dist/bin/weft (WEFT_HOME) or pass --dist");
    Path cni = dist.resolve("bin").resolve("weft-cni");
    if (!Files.isExecutable(cni)) throw new LabException("no weft-cni at " + cni + ": run 'make build' first");
    Path agent = o.agent() != null ? o.agent() : dist.resolve("bin").resolve("weft-agent");
    if (!Files.isExecutable(agent)) throw new LabException("no weft-agent at " + agent + ": run 'make build' first (or pass --agent)");
    if (which("etcd") == null) throw new LabException("etcd is not installed (Debian package etcd-server; 'make deps' installs it)");
    if (which("setsid") == null) throw new LabException("setsid is not installed (Debian package util-linux)");
    LabConfig cfg = LabConfig.plan(paths, o.nodes(), dist.toAbsolutePath().normalize(), agent.toAbsolutePath().normalize(), o.proxy());
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(paths.podsDir());
      Files.createDirectories(paths.logsDir());
      for (LabConfig.Node n : cfg.nodes()) {
        Files.createDirectories(paths.cniConfDir(n.name()));
        Files.createDirectories(paths.agentStateDir(n.name()));
        Files.createDirectories(paths.ipamDataDir(n.name()));
      }
      cfg.write(paths);
      Topology.create(paths, cfg);
      out.printf("lab %s: underlay %s (etcd %s), %d nodes, external client %s, service proxy %s%n", name(), cfg.underlayCidr(),
          cfg.etcdEndpoint(), cfg.nodes().size(), cfg.extIp(), cfg.proxy());
      startSupervisor();
      out.printf("waiting for etcd and %d weft-agents ...%n", cfg.nodes().size());
      waitReady(cfg, o.timeout());
      out.printf("ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      for (int i = 1; i <= o.pods(); i++) {
        LabConfig.Node n = cfg.nodes().get((i - 1) % cfg.nodes().size());
        LabPod p = addPod("web-" + i, n.name(), List.of("app=web"));
        out.printf("pod %s on %s: %s%n", p.name(), p.node(), p.ip());
      }
    } catch (RuntimeException | IOException e) {
      String msg = e instanceof LabException ? e.getMessage() : String.valueOf(e.getMessage() == null ? e : e.getMessage());
      dumpLogs(System.err);
      try {
        down(null);
      } catch (RuntimeException suppressed) {
        msg += " (and the clean-up failed: " + suppressed.getMessage() + ")";
      }
      throw new LabException("lab up failed: " + msg + "; everything it made is removed again", e);
    }
    return status();
  }

  private void startSupervisor() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(which("setsid").toString());
    cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
    cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xss512k", "-Xmx192m",
        "-XX:MaxMetaspaceSize=128m", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Dweft.lab=" + name()));
    for (String k : List.of("jna.boot.library.path", "jna.nosys", "jna.nounpack", "jna.noclasspath")) {
      String v = System.getProperty(k);
      if (v != null) cmd.add("-D" + k + "=" + v);
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("weft.lab.classpath", System.getProperty("java.class.path")));
    cmd.add(Supervisor.class.getName());
    cmd.add(paths.stateDir().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectInput(new File("/dev/null"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(paths.supervisorLog().toFile()));
    NetNs.call(NetNs.path(paths.underlayNs()), pb::start);
  }

  private void waitReady(LabConfig cfg, Duration timeout) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    long started = System.currentTimeMillis();
    while (true) {
      SupervisorView sv = SupervisorView.read(paths);
      if (sv != null && sv.alive() && sv.etcdReady() && cfg.nodes().stream().allMatch(n -> sv.agentReady(n.name()))) return;
      if (System.currentTimeMillis() - started > 5000 && (sv == null || !sv.alive()))
        throw new LabException("the lab supervisor is not running (see " + paths.supervisorLog() + ")");
      if (System.currentTimeMillis() > deadline) {
        List<String> notReady = new ArrayList<>();
        if (sv == null || !sv.etcdReady()) notReady.add("etcd");
        for (LabConfig.Node n : cfg.nodes()) if (sv == null || !sv.agentReady(n.name())) notReady.add("weft-agent on " + n.name());
        throw new LabException("not ready after " + timeout.toSeconds() + " s: " + String.join(", ", notReady));
      }
      Procs.sleep(200);
    }
  }

  private void dumpLogs(PrintStream err) {
    try (Stream<Path> s = Files.isDirectory(paths.stateDir()) ? Files.walk(paths.stateDir(), 2) : Stream.empty()) {
      for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(f);
        if (lines.isEmpty()) continue;
        err.println("--- last lines of " + f);
        lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(l -> err.println("  " + l));
      }
    } catch (IOException | RuntimeException ignored) {
      // best effort
    }
  }

  // ---------------------------------------------------------------------------------------- down

  /** Removes everything of the lab that exists, whatever state it is in. Returns a one-line summary. */
  public String down(PrintStream out) {
    Set<Long> self = Procs.selfAndAncestors();
    // 1. the supervisor first, so that nothing is restarted behind our back
    List<Long> supervisors = new ArrayList<>();
    for (Procs.Proc p : Procs.all())
      if (!self.contains(p.pid()) && paths.carriesMarker(p.args()) && p.args().contains(Supervisor.class.getName())) supervisors.add(p.pid());
    List<Long> stopped = new ArrayList<>(Procs.terminate(supervisors, 8000));
    // 2. whatever still runs in a lab namespace or carries the marker
    List<String> namespaces = Topology.existingNamespaces(paths);
    Map<Long, String> inodes = new LinkedHashMap<>();
    for (String ns : namespaces) inodes.put(Procs.netnsInode(NetNs.path(ns)), ns);
    List<Long> rest = new ArrayList<>();
    for (Procs.Proc p : Procs.all())
      if (!self.contains(p.pid()) && (inodes.containsKey(p.netnsInode()) || paths.carriesMarker(p.args()))) rest.add(p.pid());
    stopped.addAll(Procs.terminate(rest, 3000));
    // 3. namespaces (pods, nodes, ext, underlay: their links go with them)
    List<String> failures = new ArrayList<>();
    for (String ns : namespaces) {
      try {
        Topology.deleteNamespace(ns);
      } catch (RuntimeException e) {
        failures.add(e.getMessage());
      }
    }
    // 4. files
    boolean hadState = Files.exists(paths.stateDir());
    try {
      deleteTree(paths.stateDir());
      try {
        Files.deleteIfExists(LabPaths.RUN_ROOT); // only when no other lab is up
      } catch (java.nio.file.DirectoryNotEmptyException other) {
        // another lab's state
      }
    } catch (IOException e) {
      failures.add("delete " + paths.stateDir() + ": " + e.getMessage());
    }
    if (!failures.isEmpty()) throw new LabException("lab " + name() + " down incomplete: " + String.join("; ", failures));
    String summary = !hadState && namespaces.isEmpty() && stopped.isEmpty()
        ? "lab " + name() + " is not up (nothing to remove)"
        : "lab " + name() + " is down: stopped " + stopped.size() + " processes, deleted " + namespaces.size() + " namespaces and "
            + paths.stateDir();
    if (out != null) out.println(summary);
    return summary;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  // -------------------------------------------------------------------------------------- status

  /** True when the lab's config exists (up succeeded or is under way). */
  public boolean isUp() {
    return Files.exists(paths.labFile());
  }

  private boolean hasLeftovers() {
    return Files.exists(paths.stateDir()) || !Topology.existingNamespaces(paths).isEmpty() || !markedProcesses().isEmpty();
  }

  private String describeLeftovers() {
    List<String> parts = new ArrayList<>();
    int ns = Topology.existingNamespaces(paths).size();
    if (ns > 0) parts.add(ns + " namespaces");
    int pr = markedProcesses().size();
    if (pr > 0) parts.add(pr + " processes");
    if (Files.exists(paths.stateDir())) parts.add(paths.stateDir().toString());
    return String.join(", ", parts);
  }

  private List<Long> markedProcesses() {
    Set<Long> self = Procs.selfAndAncestors();
    return Procs.all().stream().filter(p -> !self.contains(p.pid()) && paths.carriesMarker(p.args())).map(Procs.Proc::pid).toList();
  }

  private LabConfig requireUp() {
    if (!isUp()) throw new LabException("lab " + name() + " is not up: start it with 'weft lab up" + nameFlag() + "'");
    return LabConfig.read(paths);
  }

  public LabStatus status() {
    return LabStatus.read(paths, requireUp());
  }

  // ---------------------------------------------------------------------------------------- pods

  public LabPod addPod(String name, String node, List<String> labelArgs) {
    LabConfig cfg = requireUp();
    LabPod.checkName(name);
    LabConfig.Node n = cfg.node(node);
    Map<String, String> labels = LabPod.parseLabels(labelArgs);
    SupervisorView sv = SupervisorView.read(paths);
    if (sv == null || !sv.alive())
      throw new LabException("the supervisor of lab " + name() + " is not running (see " + paths.supervisorLog() + "): 'weft lab down"
          + nameFlag() + "' and up again");
    LabPod pod;
    try (FileLock lock = FileLock.exclusive(paths.lockFile())) {
      if (Files.exists(paths.podFile(name))) {
        LabPod old = LabPod.fromJson(J.read(paths.podFile(name)));
        throw new LabException("pod " + name + " already exists (on " + old.node() + ", " + old.ip() + ")");
      }
      if (Files.exists(NetNs.path(paths.podNs(name))))
        throw new LabException("pod " + name + " already exists (namespace " + paths.podNs(name) + ")");
      Path conflist = ConflistInvoker.findConflist(paths.cniConfDir(node));
      if (conflist == null)
        throw new LabException("node " + node + " has no CNI config yet (its weft-agent is not ready): see 'weft lab status" + nameFlag() + "'");
      byte[] conf = Files.readAllBytes(conflist);
      Path ns = NetNs.create(paths.podNs(name));
      String containerId = HexFormat.of().formatHex(randomBytes(32));
      String uid = UUID.randomUUID().toString();
      ConflistInvoker.Attachment att = attachment(name, uid, containerId, ns);
      ConflistInvoker cni = invoker(n);
      Map<String, Object> result;
      try {
        try (Rtnl r = Rtnl.openIn(ns)) {
          Topology.loUp(r);
        }
        result = cni.add(conf, att);
      } catch (CniException | RuntimeException e) {
        try {
          cni.del(conf, att);
        } catch (CniException | RuntimeException ignored) {
          // ADD rolls back on its own; this DEL is the runtime's usual belt and braces
        }
        Topology.deleteNamespace(paths.podNs(name));
        throw new LabException("pod " + name + ": CNI ADD on " + node + " failed: " + e.getMessage());
      }
      String ip = firstIp(result);
      pod = new LabPod(name, node, paths.podNs(name), ip, labels, containerId, uid, System.currentTimeMillis());
      pod.write(paths);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    waitServing(name, true, 15_000);
    return pod;
  }

  /** Deletes a pod at once (no terminating phase): {@code deletePod(name, Duration.ZERO)}. */
  public void deletePod(String name) {
    deletePod(name, Duration.ZERO);
  }

  /**
   * Deletes a pod as the kubelet does: first it is terminating for {@code grace} — its Pod gets a
   * {@code deletionTimestamp}, so its endpoints turn {@code ready: false, serving: <Ready>, terminating: true} while it
   * still answers — then it is unwired (CNI DEL) and removed. A pod already terminating is not given a new grace.
   */
  public void deletePod(String name, Duration grace) {
    LabConfig cfg = requireUp();
    if (grace != null && !grace.isZero() && !grace.isNegative()) {
      LabPod terminating;
      try (FileLock lock = FileLock.exclusive(paths.lockFile())) {
        terminating = requirePod(name);
        if (!terminating.terminating()) {
          terminating = terminating.withDeletion(System.currentTimeMillis() + grace.toMillis());
          terminating.write(paths);
        }
      }
      waitRegistered(terminating, 5_000);
      Procs.sleep(Math.max(0, terminating.deletionMillis() - System.currentTimeMillis()));
    }
    String failure = null;
    try (FileLock lock = FileLock.exclusive(paths.lockFile())) {
      LabPod pod = requirePod(name);
      Files.delete(paths.podFile(name));
      waitServing(name, false, 5_000); // the supervisor closes the pod's sockets (they would keep the namespace alive)
      Path ns = NetNs.path(pod.netns());
      ConflistInvoker.Attachment att = attachment(name, pod.uid(), pod.containerId(), Files.exists(ns) ? ns : null);
      Path conflist = ConflistInvoker.findConflist(paths.cniConfDir(pod.node()));
      try {
        invoker(cfg.node(pod.node())).del(conflist == null ? null : Files.readAllBytes(conflist), att);
      } catch (CniException | RuntimeException e) {
        failure = e.getMessage();
      }
      Topology.deleteNamespace(pod.netns());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (failure != null) throw new LabException("pod " + name + " removed, but CNI DEL failed: " + failure);
  }

  /**
   * Sets a pod's Ready condition (what a readiness probe would): its endpoints turn ready / not ready. Returns when
   * the supervisor has stored the Pod; the EndpointSlice follows within a moment.
   */
  public LabPod setPodReady(String name, boolean ready) {
    requireUp();
    LabPod pod;
    try (FileLock lock = FileLock.exclusive(paths.lockFile())) {
      pod = requirePod(name).withReady(ready);
      pod.write(paths);
    }
    waitRegistered(pod, 5_000);
    return pod;
  }

  private LabPod requirePod(String name) {
    if (!Files.exists(paths.podFile(name))) {
      List<String> names = LabPod.readAll(paths).stream().map(LabPod::name).toList();
      throw new LabException("pod " + name + " does not exist (pods: " + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }
    return LabPod.fromJson(J.read(paths.podFile(name)));
  }

  /** Waits until the supervisor has stored the pod as it is now (its readiness, its termination). */
  private void waitRegistered(LabPod pod, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      SupervisorView sv = SupervisorView.read(paths);
      if (sv == null || !sv.alive()) throw new LabException("the supervisor of lab " + name() + " is not running (see " + paths.supervisorLog() + ")");
      if (pod.registration().equals(sv.podRegistration(pod.name()))) return;
      Procs.sleep(50);
    }
    throw new LabException("pod " + pod.name() + ": the supervisor has not stored it as " + pod.registration() + " after "
        + timeoutMillis / 1000 + " s (is etcd up? see " + paths.supervisorLog() + ")");
  }

  private ConflistInvoker invoker(LabConfig.Node n) {
    LabConfig cfg = LabConfig.read(paths);
    return new ConflistInvoker(List.of(cfg.dist().resolve("bin")), NetNs.path(n.netns()), paths.cniCacheDir(),
        Map.of("WEFT_CNI_LOG", paths.nodeDir(n.name()).resolve("cni.log").toString()), Duration.ofSeconds(60));
  }

  /** What containerd's CRI passes: CNI_ARGS with the pod's namespace, name, sandbox and uid. */
  private static ConflistInvoker.Attachment attachment(String pod, String uid, String containerId, Path ns) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("K8S_POD_NAMESPACE", LabPod.NAMESPACE);
    args.put("K8S_POD_NAME", pod);
    args.put("K8S_POD_INFRA_CONTAINER_ID", containerId);
    args.put("K8S_POD_UID", uid);
    return new ConflistInvoker.Attachment(containerId, ns, "eth0", args, Map.of());
  }

  private static String firstIp(Map<String, Object> result) {
    for (Object o : J.list(result.get("ips"))) {
      String a = J.str(J.map(o), "address");
      if (a != null) return a.contains("/") ? a.substring(0, a.indexOf('/')) : a;
    }
    throw new LabException("the CNI result has no IP address: " + result);
  }

  private void waitServing(String pod, boolean serving, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      SupervisorView sv = SupervisorView.read(paths);
      if (sv == null || !sv.alive()) {
        if (serving) throw new LabException("pod " + pod + " is wired but the lab supervisor is not running to serve it");
        return;
      }
      if (serving ? sv.podServing(pod) : !sv.podKnown(pod)) return;
      if (serving && sv.podError(pod) != null) throw new LabException("pod " + pod + ": " + sv.podError(pod));
      Procs.sleep(50);
    }
    if (serving) throw new LabException("pod " + pod + " is wired but not answering after " + timeoutMillis / 1000 + " s (see " + paths.supervisorLog() + ")");
  }

  // ---------------------------------------------------------------------------------------- nodes

  /**
   * Stops a node's agent and keeps it down (the supervisor does not restart it) until {@link #startNode}: SIGTERM,
   * or SIGKILL with {@code kill}. The node's kernel state stays as the agent left it; its lease expires after the
   * TTL and the other nodes then drop it. Returns when the agent is gone.
   */
  public LabStatus.NodeStatus stopNode(String node, boolean kill) {
    LabConfig cfg = requireUp();
    cfg.node(node);
    try {
      Files.createDirectories(paths.nodeDir(node));
      Files.writeString(paths.agentStoppedFile(node), kill ? "kill\n" : "term\n");
    } catch (IOException e) {
      throw new LabException("cannot stop node " + node + ": " + e.getMessage());
    }
    return awaitNode(node, n -> n.stopped() && n.agentPid() == 0, Duration.ofSeconds(10), "its agent stopped");
  }

  /** Lets the supervisor start a stopped node's agent again; returns when the agent is ready. */
  public LabStatus.NodeStatus startNode(String node, Duration timeout) {
    LabConfig cfg = requireUp();
    cfg.node(node);
    try {
      Files.deleteIfExists(paths.agentStoppedFile(node));
    } catch (IOException e) {
      throw new LabException("cannot start node " + node + ": " + e.getMessage());
    }
    return awaitNode(node, n -> !n.stopped() && n.ready(), timeout, "its agent ready");
  }

  private LabStatus.NodeStatus awaitNode(String node, java.util.function.Predicate<LabStatus.NodeStatus> done, Duration timeout, String what) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      LabStatus st = status();
      if (!st.supervisorAlive()) throw new LabException("the supervisor of lab " + name() + " is not running (see " + paths.supervisorLog() + ")");
      LabStatus.NodeStatus n = st.nodes().stream().filter(x -> x.node().name().equals(node)).findFirst().orElseThrow();
      if (done.test(n)) return n;
      if (System.currentTimeMillis() > deadline)
        throw new LabException("node " + node + ": not " + what + " after " + timeout.toSeconds() + " s (see " + paths.logsDir() + ")");
      Procs.sleep(100);
    }
  }

  // ---------------------------------------------------------------------------------------- exec

  /** The namespace a name designates: a pod, a node, {@code ext} or {@code underlay}. */
  public String namespaceOf(String target) {
    LabConfig cfg = requireUp();
    if (target.equals("ext")) return paths.extNs();
    if (target.equals("underlay")) return paths.underlayNs();
    if (cfg.hasNode(target)) return paths.nodeNs(target);
    if (Files.exists(paths.podFile(target))) return LabPod.fromJson(J.read(paths.podFile(target))).netns();
    List<String> names = new ArrayList<>(LabPod.readAll(paths).stream().map(LabPod::name).toList());
    cfg.nodes().forEach(n -> names.add(n.name()));
    names.add("ext");
    throw new LabException(target + " is not a pod, a node or ext of lab " + name() + " (one of: " + String.join(", ", names) + ")");
  }

  /** Runs a command inside the target's namespace with this process's terminal; returns its exit code. */
  public int exec(String target, List<String> command) {
    if (command.isEmpty()) throw new LabException("nothing to run: weft lab exec " + target + " -- CMD...");
    Path ns = NetNs.path(namespaceOf(target));
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    Process p;
    try {
      p = NetNs.call(ns, pb::start);
    } catch (UncheckedIOException e) {
      throw new LabException("cannot run " + command.getFirst() + " in " + target + ": " + rootMessage(e));
    }
    while (true) {
      try {
        return p.waitFor();
      } catch (InterruptedException e) {
        p.destroy();
      }
    }
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) e = e.getCause();
    String m = e.getMessage();
    int i = m == null ? -1 : m.indexOf("error=");
    return i >= 0 ? m.substring(i) : String.valueOf(m);
  }

  // ---------------------------------------------------------------------------------------- hint

  /** "What to try next", with the lab's real pod names and addresses. */
  public String hint() {
    LabConfig cfg = requireUp();
    List<LabPod> pods = LabPod.readAll(paths);
    String f = nameFlag();
    String node1 = cfg.nodes().getFirst().name();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"weft lab status" + f, "nodes, pod CIDRs, agents (pid, restarts), pods; -o json for scripts"});
    LabPod a = pods.isEmpty() ? null : pods.getFirst();
    if (a == null) {
      rows.add(new String[] {"weft lab pod add pod-a --node " + node1 + " --label app=web" + f, "a pod: a namespace wired by weft-cni"});
      rows.add(new String[] {"weft lab pod add pod-b --node " + cfg.nodes().getLast().name() + " --label app=web" + f, ""});
      rows.add(new String[] {"weft lab exec pod-a" + f + " -- curl -s http://<pod-b IP>/", "pods answer with their name and the client they see"});
    } else {
      LabPod far = pods.stream().filter(p -> !p.node().equals(a.node())).findFirst().orElse(null);
      LabPod near = pods.stream().filter(p -> p != a && p.node().equals(a.node())).findFirst().orElse(null);
      String ex = "weft lab exec " + a.name() + f + " -- ";
      if (far != null) rows.add(new String[] {ex + "curl -s http://" + far.ip() + "/", "pod to pod across nodes (VXLAN): client=" + a.ip()});
      if (near != null) rows.add(new String[] {ex + "curl -s http://" + near.ip() + "/", "pod to pod on " + a.node() + " (bridge)"});
      LabPod t = far != null ? far : near != null ? near : a;
      rows.add(new String[] {"echo hi | " + ex + "socat - UDP:" + t.ip() + ":7", "UDP echo (TCP:" + t.ip() + ":7 for TCP)"});
      rows.add(new String[] {ex + "ping -c 2 " + t.ip(), ""});
      rows.add(new String[] {"weft lab exec ext" + f + " -- curl -s http://" + t.ip() + "/", "from the external client " + cfg.extIp() + " (routed to the node)"});
      rows.add(new String[] {ex + "curl -s http://" + cfg.extIp() + "/", "pod to outside: ext sees the node's IP (masquerade)"});
    }
    String lf = name().equals(LabPaths.DEFAULT_LAB) ? "" : " --lab " + name();
    rows.add(new String[] {"weft apply -f svc.yaml" + lf, "Kubernetes Service manifests (ClusterIP, NodePort, LoadBalancer)"});
    rows.add(new String[] {"weft get services" + lf, "with their endpoints; -o json, or services,endpointslices"});
    if (a != null) rows.add(new String[] {"weft lab pod ready " + a.name() + " --ready=false" + f, "its endpoints turn not ready"});
    rows.add(new String[] {"weft lab exec " + node1 + f + " -- ip route", "a node: routes to the other nodes' pod CIDRs"});
    rows.add(new String[] {"kill -9 <agent pid>; weft lab status" + f, "a dead agent is restarted, as a DaemonSet's pod would be"});
    rows.add(new String[] {"weft lab node stop " + node1 + f, "a node down: its lease expires after 15 s, the others drop it (node start: back)"});
    rows.add(new String[] {"weft lab pod del NAME" + f, "terminating for 2 s (--grace), then removed"});
    rows.add(new String[] {"weft lab down" + f, "remove everything: processes, namespaces, " + paths.stateDir()});
    int w = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    StringBuilder s = new StringBuilder("What to try next:\n");
    for (String[] r : rows) s.append("  ").append(r[1].isEmpty() ? r[0] : r[0] + " ".repeat(w - r[0].length() + 3) + "# " + r[1]).append('\n');
    return s.toString();
  }

  private String nameFlag() {
    return name().equals(LabPaths.DEFAULT_LAB) ? "" : " --name " + name();
  }

  // ---------------------------------------------------------------------------------------- util

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  static Path which(String exe) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : (path + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (dir.isEmpty()) continue;
      Path p = Path.of(dir, exe);
      if (Files.isExecutable(p)) return p;
    }
    return null;
  }
}
