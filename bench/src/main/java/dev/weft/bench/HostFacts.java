package dev.weft.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Facts about the machine a benchmark ran on, for its report: each read is best effort and gives
 * "unknown" rather than failing the run. Shared by the CNI, overlay and services benchmarks.
 */
public final class HostFacts {
  private HostFacts() {}

  public static String nproc() {
    return String.valueOf(Runtime.getRuntime().availableProcessors());
  }

  public static String kernel() {
    return firstLine(Path.of("/proc/sys/kernel/osrelease"));
  }

  public static String cpuModel() {
    String s = grep(Path.of("/proc/cpuinfo"), "model name");
    int i = s.indexOf(':');
    return i < 0 ? s : s.substring(i + 1).strip();
  }

  public static String java() {
    return System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
  }

  /** The 1, 5 and 15 minute load averages. */
  public static String loadavg() {
    String[] f = firstLine(Path.of("/proc/loadavg")).split("\\s+");
    return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : String.join(" ", f);
  }

  /** {@code uptime}'s line (time, up, users, load averages). */
  public static String uptime() {
    String u = sh("uptime");
    return u.equals("unknown") ? "load average: " + loadavg() : u;
  }

  /** When a file was last written, or "absent". */
  public static String modified(Path p) {
    try {
      return Files.exists(p) ? Instant.ofEpochMilli(Files.getLastModifiedTime(p).toMillis()).toString() : "absent";
    } catch (IOException e) {
      return "unknown";
    }
  }

  public static String firstLine(Path p) {
    try {
      return Files.readAllLines(p).getFirst().strip();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** The first line of {@code p} starting with {@code prefix}. */
  public static String grep(Path p, String prefix) {
    try {
      return Files.readAllLines(p).stream().filter(l -> l.startsWith(prefix)).findFirst().map(String::strip).orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** A command's stdout (stripped), or "unknown" when it fails or takes longer than 10 s. */
  public static String sh(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "unknown";
      }
      return p.exitValue() == 0 ? out.strip() : "unknown";
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
