package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The measuring half, run inside the bench's host namespace (see {@link CniBenchMain}). Every cycle
 * runs every step once — each plugin's ADD+DEL in each config, the JVM floor, the spawn baseline —
 * and the order rotates by one each cycle, so no step always follows the same neighbour and machine
 * noise hits all of them alike.
 */
final class BenchRunner {
  private static final int MAX_CONSECUTIVE_FAILURES = 3;

  private BenchOptions opts;
  private final Path originalDist;
  private final String hostNs;
  private final String prefix;
  private final Path work;
  private final List<String> notes = new ArrayList<>();

  BenchRunner(BenchOptions opts, String hostNs, String prefix, Path work) {
    this.opts = opts;
    this.originalDist = opts.dist();
    this.hostNs = hostNs;
    this.prefix = prefix;
    this.work = work;
  }

  /** Refuses to go on unless this process is in the bench's host namespace and not in the root one. */
  void verifyNamespace() throws IOException, InterruptedException {
    if (!hostNs.startsWith(CniBenchMain.NS_PREFIX)) throw new IllegalStateException("host namespace " + hostNs + " is not the bench's");
    String self = Netns.nsId(Path.of("/proc/self/ns/net"));
    String host = Netns.nsIdOfMount(hostNs);
    if (!self.equals(host)) throw new IllegalStateException("driver is in " + self + ", not in the host namespace " + hostNs + " (" + host + ")");
    // the namespace the launcher was started in (the user's, normally the root one), and init's where readable
    String launcherNs = System.getenv(CniBenchMain.ENV_LAUNCHER_NS);
    if (launcherNs == null || self.equals(launcherNs))
      throw new IllegalStateException("driver is in the launcher's network namespace (" + launcherNs + "): refusing to run plugins");
    try {
      if (self.equals(Netns.nsId(Path.of("/proc/1/ns/net")))) throw new IllegalStateException("driver is in init's network namespace: refusing to run plugins");
    } catch (IOException unreadable) {
      // /proc/1 is not ours to read in some sandboxes: the launcher check above stands
    }
    // and a child spawned the way plugins are spawned lands there too
    Path out = work.resolve("nscheck.out");
    CniInvocation.Outcome o = new CniInvocation(List.of("/bin/readlink", "/proc/self/ns/net"), CniInvocation.baseEnv(), null, out, work.resolve("nscheck.err")).run();
    if (!o.stdout().strip().equals(host)) throw new IllegalStateException("a spawned child is in " + o.stdout().strip() + ", not in " + host);
  }

  BenchResult run(String commandLine) throws IOException, InterruptedException {
    verifyNamespace();
    try {
      return measure(commandLine);
    } finally {
      stopAgent();
    }
  }

  private Process agent;
  private java.io.BufferedReader agentOut;
  /** Invocations the agent served, read when it stops; -1 when unknown. */
  private long agentServed = -1;

  /**
   * Starts the agent's CNI fast path ({@link AgentHost}) as a child of this driver, so in the host
   * namespace; returns its socket, or null (with a note) when dist/ has no fast path.
   */
  private String startAgent() throws IOException, InterruptedException {
    Path cni = opts.dist().resolve("bin/weft-cni"), agentJar = opts.dist().resolve("lib/weft-overlay-agent.jar");
    if (!Files.isRegularFile(cni) || FloorProbe.isScript(cni) || !hasFastPath(agentJar)) {
      notes.add("no 'weft via agent' side: dist/ has no native weft-cni front-end or no agent fast path (" + agentJar + ")");
      return null;
    }
    Path socket = work.resolve("agent/cni.sock");
    String javaCmd = ProcessHandle.current().info().command().orElse("java");
    String lib = opts.dist().resolve("lib").toString();
    // the weft-agent launcher's JVM flags, with AgentHost as main and the bench's classes appended
    ProcessBuilder pb = new ProcessBuilder(javaCmd, "-Dweft.process=weft-bench-agent", "-XX:+UseSerialGC", "-Xmx256m", "-XX:-UsePerfData",
        "-Xlog:disable", "-Xlog:all=warning:stderr", "--enable-native-access=ALL-UNNAMED",
        "-Djna.boot.library.path=" + lib + "/native", "-Djna.nosys=true", "-Djna.nounpack=true", "-Djna.noclasspath=true",
        "-cp", lib + "/*:" + System.getProperty("java.class.path"), AgentHost.class.getName(), socket.toString());
    pb.redirectError(work.resolve("agent.err").toFile());
    agent = pb.start();
    var out = agentOut = new java.io.BufferedReader(new java.io.InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
    var ready = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = ready.get(60, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      line = null;
    }
    if (!"ready".equals(line)) {
      String err = Files.exists(work.resolve("agent.err")) ? read(work.resolve("agent.err")).strip() : "";
      stopAgent();
      notes.add("no 'weft via agent' side: the fast-path host did not start: " + (err.isEmpty() ? String.valueOf(line) : err));
      return null;
    }
    log("agent fast path listening on %s (pid %d, in the host namespace)", socket, agent.pid());
    return socket.toString();
  }

  /**
   * Runs weft from a private copy of dist/ (cp -a keeps the jars' times, so the AOT caches still
   * load): a 'make build' by someone else during the run swaps dist/ under the bench otherwise.
   */
  private void snapshotDist() throws IOException, InterruptedException {
    if (!Files.isDirectory(opts.dist())) return;
    Path copy = work.resolve("dist");
    for (int attempt = 1; ; attempt++) {
      Netns.Sh.Result r = Netns.Sh.run("cp", "-a", opts.dist().toString(), copy.toString());
      if (r.rc() == 0 && Files.isRegularFile(copy.resolve("bin/weft-cni"))) break;
      if (attempt == 3) throw new IOException("could not copy " + opts.dist() + " (being rebuilt?): " + r.err().strip());
      Netns.Sh.run("rm", "-rf", copy.toString());
      Thread.sleep(5000);
    }
    opts = opts.withDist(copy);
    log("running weft from a snapshot of %s taken now (%s)", originalDist, copy);
  }

  private static boolean hasFastPath(Path jar) {
    if (!Files.isRegularFile(jar)) return false;
    try (var jf = new java.util.jar.JarFile(jar.toFile())) {
      return jf.getEntry("dev/weft/agent/fastpath/CniFastPath.class") != null;
    } catch (IOException e) {
      return false;
    }
  }

  private void stopAgent() {
    if (agent == null) return;
    try {
      agent.getOutputStream().close(); // AgentHost stops at EOF on stdin, saying how many it served
      var served = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return agentOut.readLine();
        } catch (IOException e) {
          return null;
        }
      });
      try {
        String line = served.get(5, java.util.concurrent.TimeUnit.SECONDS);
        if (line != null && line.startsWith("served ")) agentServed = Long.parseLong(line.substring(7).strip());
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | NumberFormatException e) {
        // unknown
      }
      if (!agent.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) agent.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException | InterruptedException e) {
      agent.destroyForcibly();
    }
    agent = null;
  }

  private BenchResult measure(String commandLine) throws IOException, InterruptedException {
    Netns.Sh.check("ip", "link", "set", "lo", "up");
    Instant start = Instant.now();
    Map<String, String> machine = Machine.describe(opts);
    snapshotDist();

    List<AddDelCycle> cycles = new ArrayList<>();
    Map<AddDelCycle, Map<String, String>> traceEnv = new HashMap<>();
    int n = 0;
    String agentSocket = opts.agent() ? startAgent() : null;
    for (String config : opts.configs()) {
      for (PluginSide.Impl impl : PluginSide.Impl.values()) {
        if (impl == PluginSide.Impl.WEFT_TRACED && opts.traceEvery() == 0) continue;
        if (impl == PluginSide.Impl.WEFT_AGENT && agentSocket == null) continue;
        PluginSide side = side(config, impl, ++n, agentSocket);
        Path dir = work.resolve(config + "-" + impl.label);
        Files.createDirectories(dir);
        Files.createDirectories(side.dataDir());
        AddDelCycle c = new AddDelCycle(side, dir, prefix + "p" + n + "x");
        cycles.add(c);
        traceEnv.put(c, side.extraEnv());
      }
    }
    List<Object> steps = new ArrayList<>(cycles);
    FloorProbe floor = null, spawn = null;
    String floorNote = null;
    if (opts.floor()) {
      try {
        floor = FloorProbe.forDist(opts.dist(), work);
        CniInvocation.Outcome o = floor.run();
        if (!o.ok()) throw new IOException("the floor launcher failed: " + o.describe());
        if (!o.stderr().isBlank()) notes.add("floor JVM printed on stderr (AOT cache not used?): " + o.stderr().strip());
        steps.add(floor);
      } catch (IOException e) {
        floorNote = "no JVM floor: " + e.getMessage();
        notes.add(floorNote);
        floor = null;
      }
      spawn = FloorProbe.spawnBaseline(work);
      steps.add(spawn);
    }
    for (AddDelCycle c : cycles) checkBinary(c.side().binary());

    Map<Object, List<AddDelCycle.Result>> results = new LinkedHashMap<>();
    Map<Object, List<Long>> probeNanos = new LinkedHashMap<>();
    Map<Object, List<Long>> probeCpu = new LinkedHashMap<>();
    Map<Object, String> firstFailure = new HashMap<>();
    Map<Object, Integer> consecutive = new HashMap<>();
    int total = opts.warmup() + opts.cycles();
    log("%d warm-up + %d measured cycles of %d steps (%s)", opts.warmup(), opts.cycles(), steps.size(),
        String.join(", ", steps.stream().map(BenchRunner::stepName).toList()));
    long t0 = System.nanoTime();
    for (int cycle = 0; cycle < total; cycle++) {
      boolean warm = cycle < opts.warmup();
      if (cycle == opts.warmup()) {
        for (AddDelCycle c : cycles) traceEnv.get(c).computeIfPresent("WEFT_CNI_TRACE", (k, v) -> v.replace("trace-warmup", "trace"));
      }
      for (int k = 0; k < steps.size(); k++) {
        int pos = (k + cycle) % steps.size();
        Object step = steps.get(pos);
        if (step instanceof AddDelCycle c) {
          if (c.side().impl() == PluginSide.Impl.WEFT_TRACED && !warm && (cycle - opts.warmup()) % opts.traceEvery() != 0) continue;
          AddDelCycle.Result r = c.run(cycle, k, (warm ? "w" : "m") + cycle);
          if (!r.ok()) {
            String what = c.side().label() + " cycle " + cycle + ": " + (r.add().ok() ? "DEL " + r.del().describe() : "ADD " + r.add().describe());
            if (firstFailure.putIfAbsent(step, what) == null) log("FAILED %s", what);
            if (consecutive.merge(step, 1, Integer::sum) >= MAX_CONSECUTIVE_FAILURES)
              throw new IllegalStateException(MAX_CONSECUTIVE_FAILURES + " failures in a row, giving up. Last: " + what);
          } else {
            consecutive.put(step, 0);
          }
          if (!warm) results.computeIfAbsent(step, s -> new ArrayList<>()).add(r);
        } else if (step instanceof FloorProbe p) {
          CniInvocation.Outcome o = p.run();
          if (!o.ok()) throw new IllegalStateException(p.name() + " failed: " + o.describe());
          if (!warm) probeNanos.computeIfAbsent(step, s -> new ArrayList<>()).add(o.wallNanos());
          if (!warm) probeCpu.computeIfAbsent(step, s -> new ArrayList<>()).add(o.cpuNanos());
        }
        if (opts.settleMs() > 0) Thread.sleep(opts.settleMs());
      }
      if ((cycle + 1) % 20 == 0 || cycle + 1 == total)
        log("cycle %d/%d (%s), %.0f s", cycle + 1, total, warm ? "warm-up" : "measured", (System.nanoTime() - t0) / 1e9);
    }

    if (agent != null) {
      boolean alive = agent.isAlive();
      stopAgent();
      long expected = 0;
      for (AddDelCycle c : cycles)
        if (c.side().impl() == PluginSide.Impl.WEFT_AGENT) expected += 2L * total;
      if (!alive || agentServed != expected)
        notes.add("the agent fast path served " + agentServed + " of " + expected + " weft-agent invocations" + (alive ? "" : " and died")
            + ": the rest fell back to the JVM plugin, so the weft-agent numbers are mixed");
      else
        notes.add("the agent fast path served all " + expected + " weft-agent invocations (warm-up included)");
    }
    List<BenchResult.Side> sides = new ArrayList<>();
    for (AddDelCycle c : cycles) {
      List<AddDelCycle.Result> rs = results.getOrDefault(c, List.of());
      List<TraceBreakdown.Line> lines = List.of();
      TraceBreakdown.Summary trace = null;
      String traceFile = c.side().extraEnv().get("WEFT_CNI_TRACE");
      if (traceFile != null) {
        lines = TraceBreakdown.read(Path.of(traceFile));
        // trace lines follow invocation order: ADD, DEL, ADD, DEL... of every measured cycle
        long[] wall = rs.stream().flatMapToLong(r -> java.util.stream.LongStream.of(r.add().wallNanos(), r.del().wallNanos())).toArray();
        boolean allOk = rs.stream().allMatch(AddDelCycle.Result::ok);
        trace = TraceBreakdown.summarise(lines, allOk ? wall : null);
        if (lines.isEmpty())
          notes.add(c.side().label() + ": no WEFT_CNI_TRACE lines (" + traceFile + "): breakdown skipped");
        else if (lines.size() != wall.length)
          notes.add(c.side().label() + ": " + lines.size() + " trace lines for " + wall.length + " invocations: outsideMainMs not derived");
      }
      sides.add(new BenchResult.Side(c.side(), rs, trace, lines, leftovers(c.side()), firstFailure.get(c)));
    }
    BenchResult.Probe floorR = floor == null
        ? new BenchResult.Probe("floor", List.of(), null, null, floorNote == null ? "skipped (--no-floor)" : floorNote, null)
        : probe(floor, probeNanos, probeCpu);
    BenchResult.Probe spawnR = spawn == null ? new BenchResult.Probe("spawn", List.of(), null, null, "skipped (--no-floor)", null) : probe(spawn, probeNanos, probeCpu);
    machine.put("loadavgEnd", dev.weft.bench.HostFacts.loadavg());
    String builtAfter = Machine.describe(opts.withDist(originalDist)).get("weftCniJarBuilt");
    if (!builtAfter.equals(machine.get("weftCniJarBuilt")))
      notes.add(originalDist + " was rebuilt during the run (weft-cni-plugin.jar " + machine.get("weftCniJarBuilt") + " -> " + builtAfter
          + "); the run used its snapshot taken at the start, so all weft samples are of one build");
    if (!opts.dist().equals(originalDist)) machine.put("weftRanFrom", "a copy of " + originalDist + " taken at the start (" + opts.dist() + ")");
    return new BenchResult(start, Instant.now(), commandLine, opts.withDist(originalDist), machine, sides, floorR, spawnR, notes);
  }

  private static BenchResult.Probe probe(FloorProbe p, Map<Object, List<Long>> nanos, Map<Object, List<Long>> cpu) {
    long[] v = nanos.getOrDefault(p, List.of()).stream().mapToLong(Long::longValue).toArray();
    long[] c = cpu.getOrDefault(p, List.of()).stream().mapToLong(Long::longValue).toArray();
    return new BenchResult.Probe(p.name(), p.command(), v, c, null, p.description());
  }

  private PluginSide side(String config, PluginSide.Impl impl, int n, String agentSocket) {
    boolean masq = config.equals("masq");
    String bridge = "wftbr-" + config.charAt(0) + switch (impl) {
      case WEFT -> "w";
      case WEFT_TRACED -> "t";
      case WEFT_AGENT -> "a";
      case REFERENCE -> "r";
    };
    String subnet = "10.213." + n + ".0/24";
    Path dataDir = work.resolve(config + "-" + impl.label + "/ipam");
    Map<String, String> extra = new LinkedHashMap<>();
    // weft-cni forwards to a node agent only when the config names an "agentSocket" (this one does
    // not); the variable makes sure it never talks to an agent outside the bench's namespaces
    if (impl == PluginSide.Impl.WEFT || impl == PluginSide.Impl.WEFT_TRACED) extra.put("WEFT_CNI_NO_AGENT", "1");
    if (impl == PluginSide.Impl.REFERENCE) {
      return new PluginSide(config, impl, opts.reference().resolve("bridge"), opts.reference().toString(),
          "bridge", "host-local", bridge, subnet, dataDir, masq, extra, null);
    }
    Path bin = opts.weftBinary() != null ? opts.weftBinary() : opts.dist().resolve("bin/weft-cni");
    String type = opts.weftBinary() != null ? bin.getFileName().toString() : "weft-cni";
    if (impl == PluginSide.Impl.WEFT_TRACED)
      extra.put("WEFT_CNI_TRACE", work.resolve(config + "-" + impl.label + "/trace-warmup.jsonl").toString());
    return new PluginSide(config, impl, bin, bin.getParent() + ":" + opts.reference(), type, opts.weftIpam(),
        bridge, subnet, dataDir, masq, extra, impl == PluginSide.Impl.WEFT_AGENT ? agentSocket : null);
  }

  private static void checkBinary(Path bin) {
    if (!Files.isExecutable(bin))
      throw new IllegalStateException(bin + " is missing or not executable" + (bin.toString().contains("dist") ? " (run make build)" : ""));
  }

  /** What a side left in the host namespace after all its DELs: ports on its bridge, IPs still allocated, rules naming its subnet. */
  private Map<String, Integer> leftovers(PluginSide side) {
    Map<String, Integer> m = new LinkedHashMap<>();
    try {
      String ports = Netns.Sh.run("ip", "-o", "link", "show", "master", side.bridge()).out();
      m.put("bridgePorts", (int) ports.lines().filter(l -> !l.isBlank()).count());
      try (Stream<Path> files = Files.walk(side.dataDir())) {
        m.put("allocatedIps", (int) files.filter(Files::isRegularFile)
            .filter(p -> p.getFileName().toString().matches("[0-9.]+|[0-9a-fA-F:]+")).count());
      }
      String base = side.subnet().substring(0, side.subnet().lastIndexOf('.') + 1);
      String rules = Netns.Sh.run("nft", "list", "ruleset").out();
      m.put("nftLinesNamingSubnet", (int) rules.lines().filter(l -> l.contains(base)).count());
    } catch (IOException | InterruptedException e) {
      notes.add("leftover check for " + side.label() + " failed: " + e);
    }
    return m;
  }

  private static String stepName(Object s) {
    return s instanceof AddDelCycle c ? c.side().label() : ((FloorProbe) s).name();
  }

  static void log(String fmt, Object... args) {
    System.err.println("[bench] " + String.format(fmt, args));
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
