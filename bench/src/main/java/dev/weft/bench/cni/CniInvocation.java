package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One run of a plugin binary, the way a runtime runs it: a fresh process with the CNI variables in
 * its environment and the network config on stdin. The clock runs from just before the spawn to the
 * return of {@code waitFor} (the child has exited and been reaped). stdin, stdout and stderr are
 * files, so no pipe-reading thread competes with the child and reading the output is not timed.
 * The child inherits this process's network namespace: the driver runs inside the bench's host
 * namespace for the whole run, so every plugin does too.
 */
public record CniInvocation(List<String> command, Map<String, String> env, Path stdin, Path stdout, Path stderr) {

  /** What one run produced. */
  /** cpuNanos: user + system CPU of the process and everything it reaped; -1 when unknown. */
  public record Outcome(long wallNanos, long cpuNanos, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    public String describe() {
      return "exit " + exitCode + (stdout.isBlank() ? "" : ", stdout: " + stdout.strip())
          + (stderr.isBlank() ? "" : ", stderr: " + stderr.strip());
    }
  }

  public Outcome run() throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().clear();
    pb.environment().putAll(env);
    pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
        : ProcessBuilder.Redirect.from(stdin.toFile()));
    pb.redirectOutput(stdout.toFile());
    pb.redirectError(stderr.toFile());
    long cpu0 = ChildCpu.nanos();
    long t0 = System.nanoTime();
    Process p = pb.start();
    int rc = p.waitFor();
    long t1 = System.nanoTime();
    long cpu1 = ChildCpu.nanos();
    return new Outcome(t1 - t0, cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0, rc, read(stdout), read(stderr));
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  /** The minimal environment a runtime gives a plugin, plus {@code extra}. */
  public static Map<String, String> baseEnv() {
    return Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  }
}
