package dev.weft.cni.e2e;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a process the way a container runtime runs a CNI plugin: a clean environment (none of the
 * caller's CNI_* or JVM option variables), the config on stdin, stdout and stderr captured to
 * files (so 50 concurrent plugins never block on a full pipe), and a hard time limit.
 */
final class Exec {
  private Exec() {}

  /** Outcome of one run. {@code millis} is wall time from start to exit. */
  record Out(int exit, String stdout, String stderr, long millis, List<String> cmd, Map<String, String> env) {
    String describe() {
      return "command " + env + " " + String.join(" ", cmd) + "\n  exit " + exit + "\n  stdout: " + stdout.strip()
          + "\n  stderr: " + stderr.strip();
    }
  }

  /** A started process whose output goes to files. */
  static final class Running {
    final Process process;
    final Path out, err;
    final long started;
    final List<String> cmd;
    final Map<String, String> env;

    Running(Process process, Path out, Path err, List<String> cmd, Map<String, String> env) {
      this.process = process;
      this.out = out;
      this.err = err;
      this.cmd = cmd;
      this.env = env;
      this.started = System.nanoTime();
    }

    Out await(int timeoutSeconds) {
      try {
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
          throw new AssertionError("timed out after " + timeoutSeconds + " s: " + env + " " + cmd + "\nstdout so far: "
              + read(out) + "\nstderr so far: " + read(err));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new AssertionError(e);
      }
      long ms = (System.nanoTime() - started) / 1_000_000;
      return new Out(process.exitValue(), read(out), read(err), ms, cmd, env);
    }

    /** SIGKILL, then wait for the process to be gone. */
    void kill9() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static Running start(List<String> cmd, Map<String, String> env, byte[] stdin, Path scratch) {
    try {
      Files.createDirectories(scratch);
      Path in = Files.createTempFile(scratch, "in", ".json");
      Path out = Files.createTempFile(scratch, "out", ".txt");
      Path err = Files.createTempFile(scratch, "err", ".txt");
      Files.write(in, stdin == null ? new byte[0] : stdin);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      Map<String, String> e = pb.environment();
      e.keySet().removeIf(k -> k.startsWith("CNI_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("_JAVA_OPTIONS")
          || k.equals("JDK_JAVA_OPTIONS"));
      e.putAll(env);
      pb.redirectInput(in.toFile());
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      return new Running(pb.start(), out, err, cmd, env);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Out run(List<String> cmd, Map<String, String> env, byte[] stdin, int timeoutSeconds) {
    Path scratch;
    try {
      scratch = Files.createTempDirectory("weft-exec");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return start(cmd, env, stdin, scratch).await(timeoutSeconds);
    } finally {
      deleteTree(scratch);
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<unreadable: " + e + ">";
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) return;
    try (var s = Files.walk(root)) {
      s.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // best effort: it is a temp dir
    }
  }
}
