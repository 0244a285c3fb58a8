package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * CNI ADD/DEL benchmark: weft-cni (with weft-ipam in-process) against the reference bridge +
 * host-local, same config, interleaved. See bench/RESULTS.md and {@link BenchOptions#USAGE}.
 *
 * <p>Two processes. The launcher (this main, started by the user in the root namespace) makes a
 * throw-away host namespace {@code wftbench<pid>-h} and re-executes itself inside it with
 * {@code ip netns exec}, which also mounts that namespace's /sys as a runtime on a node would see it.
 * The re-executed driver checks that it is in that namespace, then spawns every plugin directly, so
 * every plugin runs there; nothing is ever created in the root namespace. The launcher removes the
 * host namespace and any pod namespace left behind on exit, failure or Ctrl-C (shutdown hook), and
 * afterwards checks that the root namespace holds nothing of the bench's.
 */
public final class CniBenchMain {
  static final String NS_PREFIX = "wftbench";
  static final String ENV_HOSTNS = "WEFT_BENCH_HOSTNS";
  static final String ENV_PREFIX = "WEFT_BENCH_PREFIX";
  static final String ENV_WORK = "WEFT_BENCH_WORK";
  static final String ENV_CMDLINE = "WEFT_BENCH_CMDLINE";
  static final String ENV_LAUNCHER_NS = "WEFT_BENCH_LAUNCHER_NETNS";

  /** Set when a signal started the JVM's shutdown: what fails after that is the stop, not a bug. */
  static volatile boolean stopping;

  private CniBenchMain() {}

  public static void main(String[] args) {
    BenchOptions opts;
    try {
      opts = BenchOptions.parse(args);
    } catch (BenchOptions.UsageException e) {
      if (e.getMessage() != null) System.err.println("run-cni-bench: " + e.getMessage());
      (e.getMessage() == null ? System.out : System.err).print(BenchOptions.USAGE);
      System.exit(e.getMessage() == null ? 0 : 2);
      return;
    }
    String host = System.getenv(ENV_HOSTNS);
    int rc;
    try {
      rc = host == null ? launch(opts, args) : drive(opts, host);
    } catch (Exception e) {
      if (stopping) {
        System.err.println("run-cni-bench: stopped by a signal; cleaning up");
        System.exit(130);
      }
      System.err.println("run-cni-bench: " + e.getMessage());
      if (!(e instanceof IllegalStateException)) e.printStackTrace();
      rc = 1;
    }
    System.exit(rc);
  }

  // ---- the launcher, in the root namespace: makes the host namespace, runs the driver in it, cleans up

  private static int launch(BenchOptions opts, String[] args) throws Exception {
    if (!isRoot()) throw new IllegalStateException("needs root (it creates network namespaces); run it with sudo");
    long pid = ProcessHandle.current().pid();
    String prefix = NS_PREFIX + pid + "-";
    String hostNs = prefix + "h";
    Path work = Files.createTempDirectory(prefix);
    RootNamespaceCheck before = RootNamespaceCheck.snapshot();
    Process[] driver = new Process[1];
    Thread cleanup = new Thread(() -> {
      stopping = true;
      cleanUp(driver[0], prefix, work);
    }, "wftb-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    Netns.add(hostNs);

    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", hostNs, java,
        "-XX:+UseSerialGC", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), CniBenchMain.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    pb.environment().put(ENV_HOSTNS, hostNs);
    pb.environment().put(ENV_PREFIX, prefix);
    pb.environment().put(ENV_WORK, work.toString());
    pb.environment().put(ENV_LAUNCHER_NS, Netns.nsId(Path.of("/proc/self/ns/net")));
    driver[0] = pb.start();
    int rc = driver[0].waitFor();
    Runtime.getRuntime().removeShutdownHook(cleanup);
    cleanUp(driver[0], prefix, work);
    List<String> problems = before.newSince(RootNamespaceCheck.snapshot());
    if (!problems.isEmpty()) {
      System.err.println("ROOT NAMESPACE CHECK FAILED: the run left something in the root namespace:");
      problems.forEach(p -> System.err.println("  " + p));
      return rc == 0 ? 3 : rc;
    }
    System.err.println("[bench] root namespace check: nothing of the bench's there; namespaces " + prefix + "* removed");
    return rc;
  }

  private static synchronized void cleanUp(Process driver, String prefix, Path work) {
    if (driver != null && driver.isAlive()) {
      try {
        // it got the same SIGINT and is removing its pod namespace; give it a moment
        if (!driver.waitFor(10, TimeUnit.SECONDS)) {
          driver.descendants().forEach(ProcessHandle::destroyForcibly);
          driver.destroyForcibly();
          driver.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      for (String ns : Netns.list())
        if (ns.startsWith(prefix) && !Netns.delete(ns)) System.err.println("[bench] could not delete namespace " + ns);
    } catch (IOException | InterruptedException e) {
      System.err.println("[bench] listing namespaces for clean-up failed: " + e);
    }
    try (Stream<Path> files = Files.walk(work)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // already gone
    }
  }

  private static boolean isRoot() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/status")).stream()
        .filter(l -> l.startsWith("Uid:")).findFirst().map(l -> l.split("\\s+")[1].equals("0")).orElse(false);
  }

  // ---- the driver, inside the host namespace

  private static int drive(BenchOptions opts, String hostNs) throws Exception {
    String prefix = System.getenv(ENV_PREFIX);
    Path work = Path.of(System.getenv(ENV_WORK));
    if (prefix == null || !hostNs.startsWith(prefix) || !prefix.startsWith(NS_PREFIX))
      throw new IllegalStateException("inconsistent " + ENV_HOSTNS + "/" + ENV_PREFIX);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopping = true;
      AddDelCycle.LIVE_PODS.forEach(Netns::delete);
    }, "wftb-pods"));
    String cmdline = System.getenv(ENV_CMDLINE);
    if (cmdline == null) cmdline = "java -cp ... " + CniBenchMain.class.getName() + " " + String.join(" ", opts.args());
    BenchResult result = new BenchRunner(opts, hostNs, prefix, work).run(cmdline);
    CniBenchReport report = new CniBenchReport(result);
    System.out.print(report.text());
    List<Path> written = report.write(opts.out());
    for (Path p : written) System.out.println("wrote " + p);
    boolean failures = result.sides().stream().anyMatch(s -> s.failures() > 0);
    return failures ? 4 : 0;
  }
}
