package dev.weft.bench.overlay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Facts a reader needs to judge a run: cores, kernel, CPU, load before and after, versions, the build that ran. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(OverlayOptions opts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("kernel", firstLine(Path.of("/proc/sys/kernel/osrelease")));
    m.put("cpu", cpuModel());
    m.put("uptimeStart", uptime());
    m.put("iperf3", sh("iperf3", "--version").lines().findFirst().orElse("unknown"));
    m.put("ping", sh("ping", "-V").lines().findFirst().orElse("unknown"));
    m.put("driverJava", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    Path repo = opts.dist().getParent();
    m.put("weftCommit", sh("git", "-C", repo.toString(), "log", "-1", "--format=%h %cI %s"));
    m.put("distBuilt", distBuilt(opts));
    return m;
  }

  /** When dist/'s agent jar was written (a rebuild during the run shows as a different value at the end). */
  static String distBuilt(OverlayOptions opts) {
    Path jar = opts.dist().resolve("lib/weft-overlay-agent.jar");
    try {
      return Files.exists(jar) ? Instant.ofEpochMilli(Files.getLastModifiedTime(jar).toMillis()).toString() : "absent";
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The 1, 5 and 15 minute load averages. */
  static String loadavg() {
    String[] f = firstLine(Path.of("/proc/loadavg")).split("\\s+");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : String.join(" ", f);
  }

  /** {@code uptime}'s line (time, up, users, load averages). */
  static String uptime() {
    String u = sh("uptime").strip();
    return u.equals("unknown") ? "load average: " + loadavg() : u;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstLine(Path p) {
    try {
      return Files.readAllLines(p).getFirst().strip();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String sh(String... cmd) {
    try {
      Cmd.Result r = Cmd.run(Duration.ofSeconds(10), cmd);
      return r.ok() ? r.out().strip() : "unknown";
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
