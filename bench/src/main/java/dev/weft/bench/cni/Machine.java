package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The facts a reader needs to compare runs: cores, kernel, CPU, load, versions of what ran. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe(BenchOptions opts) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("nproc", String.valueOf(Runtime.getRuntime().availableProcessors()));
    m.put("kernel", firstLine(Path.of("/proc/sys/kernel/osrelease")));
    m.put("cpu", cpuModel());
    m.put("memTotal", grep(Path.of("/proc/meminfo"), "MemTotal:"));
    m.put("loadavgStart", loadavg());
    m.put("driverJava", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("referencePackage", sh("dpkg-query", "-W", "-f", "${Package} ${Version}", "containernetworking-plugins"));
    m.put("weftCommit", sh("git", "-C", opts.dist().getParent().toString(), "log", "-1", "--format=%h %cI %s"));
    String dirty = sh("git", "-C", opts.dist().getParent().toString(), "status", "--porcelain", "--",
        "cni-plugin", "cni-protocol", "ipam", "kernel", "host-nat", "scripts/make-dist");
    m.put("weftSourcesUncommitted", dirty.equals("unknown") ? "unknown" : String.valueOf(dirty.lines().count()) + " files");
    Path jar = opts.dist().resolve("lib/weft-cni-plugin.jar");
    try {
      m.put("weftCniJarBuilt", Files.exists(jar) ? Instant.ofEpochMilli(Files.getLastModifiedTime(jar).toMillis()).toString() : "absent");
    } catch (IOException e) {
      m.put("weftCniJarBuilt", "unknown");
    }
    m.put("weftAotCache", Files.exists(opts.dist().resolve("lib/aot/weft-cni.aot")) ? "present" : "absent");
    return m;
  }

  /** The 1, 5 and 15 minute load averages. */
  static String loadavg() {
    String[] f = firstLine(Path.of("/proc/loadavg")).split("\\s+");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : String.join(" ", f);
  }

  private static String cpuModel() {
    String s = grep(Path.of("/proc/cpuinfo"), "model name");
    int i = s.indexOf(':');
    return i < 0 ? s : s.substring(i + 1).strip();
  }

  private static String firstLine(Path p) {
    try {
      return Files.readAllLines(p).getFirst().strip();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String grep(Path p, String prefix) {
    try {
      return Files.readAllLines(p).stream().filter(l -> l.startsWith(prefix)).findFirst().map(String::strip).orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String sh(String... cmd) {
    try {
      Netns.Sh.Result r = Netns.Sh.run(cmd);
      return r.rc() == 0 ? r.out().strip() : "unknown";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }
}
