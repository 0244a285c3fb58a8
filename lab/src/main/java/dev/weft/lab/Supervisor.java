package dev.weft.lab;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.LibC;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Route;
import dev.weft.kernel.Rtnl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lab's background process, the lab's "kubelet and controllers": started detached by {@code weft lab up}
 * inside the underlay namespace, it runs etcd and one weft-agent per node (each inside its namespace) and
 * restarts whichever dies; serves every pod's responder and registers the pods as Kubernetes Pods; routes the
 * external client's traffic for each node's pod CIDR to that node; and writes what it sees to
 * {@code supervisor.json} every 200 ms for {@code weft lab status}. SIGTERM stops everything it started.
 */
public final class Supervisor {
  private static final long TICK_MILLIS = 200;

  private final LabPaths paths;
  private final LabConfig cfg;
  private final ManagedProcess etcd;
  private final Map<String, ManagedProcess> agents = new LinkedHashMap<>();
  private final Map<String, Boolean> agentReady = new ConcurrentHashMap<>();
  private volatile boolean etcdHealthy;
  private volatile boolean stopping;
  private final Map<String, Responder> responders = new ConcurrentHashMap<>();
  private final Map<String, String> podState = new ConcurrentHashMap<>(); // name -> serving|registered|error text
  private final Map<String, String> registered = new ConcurrentHashMap<>(); // name -> LabPod.registration() stored
  private volatile String registryError;
  private volatile String routeError;
  private Responder extResponder;
  private PodRegistry registry;
  private volatile ServicesControlPlane services;
  private volatile String servicesError;

  Supervisor(LabPaths paths, LabConfig cfg) {
    this.paths = paths;
    this.cfg = cfg;
    this.etcd = new ManagedProcess("etcd", NetNs.path(paths.underlayNs()), cfg.etcdCommand(paths), paths.logsDir().resolve("etcd.log"));
    for (LabConfig.Node n : cfg.nodes())
      agents.put(n.name(), new ManagedProcess("weft-agent " + n.name(), NetNs.path(n.netns()), cfg.agentCommand(paths, n),
          paths.logsDir().resolve("agent-" + n.name() + ".log")));
  }

  /** {@code SupervisorMain <state dir>}: the state dir names the lab (and marks the command line). */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: Supervisor <lab state dir>");
      System.exit(2);
    }
    Path state = Path.of(args[0]);
    LabPaths paths = new LabPaths(state.getFileName().toString());
    if (!paths.stateDir().equals(state.toAbsolutePath().normalize())) throw new IllegalArgumentException("not a lab state dir: " + state);
    Files.writeString(paths.supervisorPidFile(), ProcessHandle.current().pid() + "\n");
    Supervisor s = new Supervisor(paths, LabConfig.read(paths));
    Runtime.getRuntime().addShutdownHook(new Thread(s::shutdown, "shutdown"));
    s.run();
  }

  static synchronized void log(String msg) {
    System.out.println(Instant.now() + " " + msg);
    System.out.flush();
  }

  void run() {
    log("supervisor of lab " + cfg.name() + " started, pid " + ProcessHandle.current().pid() + ", " + cfg.nodes().size() + " nodes");
    Thread.ofPlatform().daemon().name("probes").start(this::probeLoop);
    synchronized (this) {
      etcd.tick(System.currentTimeMillis());
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (!etcdHealthy && System.currentTimeMillis() < deadline && !stopping) {
      synchronized (this) {
        if (!stopping) etcd.tick(System.currentTimeMillis());
      }
      writeStatus();
      Procs.sleep(100);
    }
    if (!etcdHealthy) log("etcd is not healthy after 30 s; starting the agents anyway");
    try {
      extResponder = new Responder("host=ext", "host=ext");
      extResponder.start(NetNs.path(paths.extNs()));
    } catch (RuntimeException e) {
      log("external client responder: " + e.getMessage());
    }
    Thread.ofPlatform().daemon().name("pods").start(this::podLoop);
    while (!stopping) {
      long now = System.currentTimeMillis();
      synchronized (this) {
        if (stopping) break;
        etcd.tick(now);
        holdOrRelease(now);
        for (ManagedProcess a : agents.values()) a.tick(now);
      }
      writeStatus();
      Procs.sleep(TICK_MILLIS);
    }
  }

  private synchronized void shutdown() {
    if (stopping) return;
    stopping = true;
    log("stopping: agents, etcd, responders");
    List<Thread> ts = new ArrayList<>();
    for (ManagedProcess a : agents.values()) ts.add(Thread.ofPlatform().start(() -> a.stop(3000)));
    ts.add(Thread.ofPlatform().start(() -> etcd.stop(3000)));
    for (Thread t : ts) joinQuietly(t);
    responders.values().forEach(Responder::close);
    if (extResponder != null) extResponder.close();
    if (services != null) {
      try {
        services.close();
      } catch (RuntimeException ignored) {
        // going away
      }
    }
    if (registry != null) {
      try {
        registry.close();
      } catch (RuntimeException ignored) {
        // going away
      }
    }
    log("stopped");
  }

  // ---------------------------------------------------------------------------------- probes

  private void probeLoop() {
    Map<String, String> installedRoutes = new HashMap<>();
    Rtnl ext = null;
    while (!stopping) {
      try {
        etcdHealthy = httpGet(cfg.etcdIp(), cfg.etcdPort(), "/health", 500) == 200;
        for (LabConfig.Node n : cfg.nodes()) {
          boolean ready = httpGet(n.underlayIp(), LabConfig.AGENT_HTTP_PORT, "/readyz", 500) == 200
              && ConflistInvoker.findConflist(paths.cniConfDir(n.name())) != null;
          agentReady.put(n.name(), ready);
        }
        if (ext == null) ext = Rtnl.openIn(NetNs.path(paths.extNs()));
        syncExtRoutes(ext, installedRoutes);
        routeError = null;
        servicesTick(ext);
      } catch (Throwable e) {
        routeError = String.valueOf(e.getMessage());
      }
      Procs.sleep(500);
    }
  }

  /** Starts the Services control plane once etcd answers; then its periodic work (repair, ingress routes). */
  private void servicesTick(Rtnl ext) {
    try {
      synchronized (this) {
        if (stopping) return;
        if (services == null && etcdHealthy) {
          services = new ServicesControlPlane(cfg);
          log("services: EndpointSlice controller started");
        }
      }
      if (services != null) services.tick(ext);
      servicesError = null;
    } catch (RuntimeException | LinkageError e) {
      if (!String.valueOf(e).equals(servicesError)) log("services: " + e);
      servicesError = String.valueOf(e);
    }
  }

  /**
   * The external client reaches pods the way a router with a route per node's pod CIDR would (as host-gw or
   * BGP announcements give): {@code <podCidr> via <node underlay IP>}.
   */
  private void syncExtRoutes(Rtnl ext, Map<String, String> installed) {
    Map<String, String> desired = new HashMap<>();
    for (LabConfig.Node n : cfg.nodes()) {
      String cidr = Conflists.podCidr(paths, n.name());
      if (cidr != null) desired.put(IpPrefix.parse(cidr).network().toString(), n.underlayIp());
    }
    IpPrefix cluster = IpPrefix.parse(cfg.clusterCidr());
    Map<String, String> actual = new HashMap<>();
    for (Route r : ext.routes(LibC.AF_INET, Route.TABLE_MAIN)) {
      if (r.dst() == null || r.gateway() == null || !cluster.contains(r.dst().address())) continue;
      actual.put(r.dst().network().toString(), IpPrefix.format(r.gateway()));
    }
    for (var e : desired.entrySet()) {
      if (e.getValue().equals(actual.get(e.getKey()))) continue;
      ext.replaceRoute(Route.builder().dst(e.getKey()).gateway(e.getValue()).build());
      log("ext: route " + e.getKey() + " via " + e.getValue());
    }
    for (var e : actual.entrySet()) {
      if (desired.containsKey(e.getKey())) continue;
      ext.deleteRoute(Route.builder().dst(e.getKey()).gateway(e.getValue()).build());
      log("ext: removed route " + e.getKey() + " via " + e.getValue());
    }
    installed.clear();
    installed.putAll(desired);
  }

  /** A minimal HTTP GET; the status code, or -1 when nothing answers in time. */
  static int httpGet(String host, int port, String path, int timeoutMillis) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] b = new byte[64];
      int n = in.readNBytes(b, 0, 12);
      String line = new String(b, 0, n, StandardCharsets.US_ASCII);
      return line.startsWith("HTTP/") && line.length() >= 12 ? Integer.parseInt(line.substring(9, 12)) : -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------------------------- pods

  private void podLoop() {
    while (!stopping) {
      try {
        syncPods();
      } catch (Throwable e) { // keep serving whatever breaks
        log("pods: " + e);
      }
      Procs.sleep(TICK_MILLIS);
    }
  }

  private void syncPods() {
    Map<String, LabPod> desired = new LinkedHashMap<>();
    for (LabPod p : LabPod.readAll(paths)) desired.put(p.name(), p);
    for (String name : new ArrayList<>(responders.keySet())) {
      if (desired.containsKey(name)) continue;
      responders.remove(name).close();
      podState.remove(name);
      log("pod " + name + ": stopped serving");
    }
    for (String name : new HashSet<>(registered.keySet())) {
      if (desired.containsKey(name)) continue;
      if (registry() == null) break;
      try {
        registry.delete(name);
        registered.remove(name);
        log("pod " + name + ": removed from the store");
      } catch (RuntimeException | LinkageError e) {
        registryError = e.getMessage();
      }
    }
    for (LabPod p : desired.values()) {
      if (!responders.containsKey(p.name())) {
        Responder r = new Responder("pod=" + p.name() + " node=" + p.node(), "pod=" + p.name());
        try {
          r.start(NetNs.path(p.netns()));
          responders.put(p.name(), r);
          podState.put(p.name(), "serving");
          log("pod " + p.name() + " (" + p.ip() + " on " + p.node() + "): serving HTTP :80, echo :7 tcp/udp");
        } catch (RuntimeException e) {
          r.close();
          podState.put(p.name(), "cannot serve: " + e.getMessage());
          continue;
        }
      }
      if (!p.registration().equals(registered.get(p.name())) && registry() != null) {
        try {
          registry.put(p, cfg.node(p.node()).underlayIp(), p.ready());
          registered.put(p.name(), p.registration());
          registryError = null;
          log("pod " + p.name() + ": registered in the store (" + p.registration() + ")");
        } catch (RuntimeException | LinkageError e) {
          if (!String.valueOf(e).equals(registryError)) log("pod " + p.name() + ": cannot register in the store: " + e);
          registryError = String.valueOf(e);
        }
      }
    }
  }

  private PodRegistry registry() {
    if (registry == null && etcdHealthy) {
      try {
        registry = new StorePodRegistry(cfg.etcdEndpoint(), LabConfig.ETCD_PREFIX);
      } catch (RuntimeException | LinkageError e) {
        registryError = String.valueOf(e);
      }
    }
    return registry;
  }

  // ---------------------------------------------------------------------------------- status

  private void writeStatus() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("pid", ProcessHandle.current().pid());
    s.put("updated", System.currentTimeMillis());
    s.put("etcd", proc(etcd, etcdHealthy));
    Map<String, Object> as = new LinkedHashMap<>();
    synchronized (this) {
      for (var e : agents.entrySet()) as.put(e.getKey(), proc(e.getValue(), Boolean.TRUE.equals(agentReady.get(e.getKey()))));
    }
    s.put("agents", as);
    Map<String, Object> ps = new LinkedHashMap<>();
    for (var e : podState.entrySet()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("serving", e.getValue().equals("serving"));
      if (!e.getValue().equals("serving")) p.put("error", e.getValue());
      p.put("registered", registered.containsKey(e.getKey()));
      if (registered.containsKey(e.getKey())) p.put("registration", registered.get(e.getKey()));
      ps.put(e.getKey(), p);
    }
    s.put("pods", ps);
    if (registryError != null) s.put("registryError", registryError);
    if (routeError != null) s.put("routeError", routeError);
    ServicesControlPlane sc = services;
    Map<String, Object> svc = new LinkedHashMap<>();
    svc.put("endpointSliceController", sc == null ? "not started" : sc.slices().synced() ? "synced" : "listing");
    if (sc != null) svc.put("sliceWrites", sc.slices().writes());
    String err = servicesError != null ? servicesError : sc == null ? null : sc.slices().lastError();
    if (err != null) svc.put("error", err);
    s.put("services", svc);
    try {
      J.writeAtomically(paths.supervisorStatusFile(), s);
    } catch (RuntimeException e) {
      if (!stopping) log("status: " + e.getMessage());
    }
  }

  /** {@code weft lab node stop|start}: an agent whose stop file exists is held down, released when it is gone. */
  private void holdOrRelease(long now) {
    for (var e : agents.entrySet()) {
      Path stopFile = paths.agentStoppedFile(e.getKey());
      boolean wanted = Files.exists(stopFile);
      ManagedProcess a = e.getValue();
      if (wanted && !a.held()) {
        boolean kill = "kill".equals(readQuietly(stopFile));
        log(a.name + ": stopped by 'weft lab node stop'" + (kill ? " (SIGKILL)" : " (SIGTERM)") + ", not restarted until 'weft lab node start'");
        a.hold(kill);
        agentReady.put(e.getKey(), false);
      } else if (!wanted && a.held()) {
        log(a.name + ": started again by 'weft lab node start'");
        a.release(now);
      }
    }
  }

  private static String readQuietly(Path f) {
    try {
      return Files.readString(f).strip();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static Map<String, Object> proc(ManagedProcess p, boolean ready) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", p.pid());
    if (p.held()) m.put("stopped", true);
    m.put("restarts", (long) p.restarts());
    m.put("ready", ready);
    if (p.startedAt() > 0) m.put("started", p.startedAt());
    if (p.lastExit() != null) m.put("lastExit", p.lastExit());
    return m;
  }

  private static void joinQuietly(Thread t) {
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
