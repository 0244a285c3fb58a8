package dev.weft.lab;

import dev.weft.kernel.NetNs;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * One supervised process, started inside a namespace and restarted when it dies, as a DaemonSet's pod would
 * be: after 0.5 s, doubling up to 5 s; the back-off starts over once a run lasted {@value #STABLE_MILLIS} ms.
 * Output goes (appended) to a log file. Not thread-safe: the supervisor's loop drives it.
 */
final class ManagedProcess {
  static final long INITIAL_BACKOFF_MILLIS = 500, MAX_BACKOFF_MILLIS = 5000, STABLE_MILLIS = 30_000;

  final String name;
  private final Path netns;
  private final List<String> command;
  private final Path log;
  private Process process;
  private long startedAt;
  private long nextStartAt;
  private long backoff = INITIAL_BACKOFF_MILLIS;
  private int restarts;
  private int starts;
  private String lastExit;
  private boolean stopped;

  ManagedProcess(String name, Path netns, List<String> command, Path log) {
    this.name = name;
    this.netns = netns;
    this.command = List.copyOf(command);
    this.log = log;
  }

  /** Starts it now (first start) or, when it died, once its back-off has passed. */
  void tick(long now) {
    if (stopped) return;
    if (process != null && !process.isAlive()) {
      long ran = now - startedAt;
      if (ran >= STABLE_MILLIS) backoff = INITIAL_BACKOFF_MILLIS;
      lastExit = describeExit(process.exitValue()) + " at " + Instant.ofEpochMilli(now);
      Supervisor.log(name + " (pid " + process.pid() + ") " + describeExit(process.exitValue()) + " after " + ran + " ms; restarting in " + backoff + " ms");
      killDescendants(process.toHandle());
      process = null;
      nextStartAt = now + backoff;
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    }
    if (process == null && now >= nextStartAt) {
      try {
        start();
      } catch (RuntimeException e) {
        Supervisor.log(name + ": cannot start: " + e.getMessage());
        nextStartAt = now + backoff;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      }
    }
  }

  private void start() {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectInput(new File("/dev/null"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    try {
      Files.createDirectories(log.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    process = NetNs.call(netns, pb::start);
    startedAt = System.currentTimeMillis();
    if (starts++ > 0) restarts++;
    Supervisor.log(name + " started, pid " + process.pid() + (restarts > 0 ? " (restart " + restarts + ")" : ""));
  }

  private static String describeExit(int code) {
    return code > 128 ? "killed by signal " + (code - 128) : "exited with code " + code;
  }

  /** SIGTERM, then SIGKILL after {@code graceMillis}; children too (a shell's children would outlive it). */
  void stop(long graceMillis) {
    stopped = true;
    if (process == null) return;
    ProcessHandle h = process.toHandle();
    List<ProcessHandle> kids = h.descendants().toList();
    h.destroy();
    long deadline = System.currentTimeMillis() + graceMillis;
    while (h.isAlive() && System.currentTimeMillis() < deadline) Procs.sleep(50);
    if (h.isAlive()) h.destroyForcibly();
    for (ProcessHandle k : kids) k.destroyForcibly();
  }

  private static void killDescendants(ProcessHandle h) {
    h.descendants().forEach(ProcessHandle::destroyForcibly);
  }

  /** Stops it and keeps it down until {@link #release}: SIGKILL at once ({@code kill}), else SIGTERM with a grace. */
  void hold(boolean kill) {
    if (kill && process != null) {
      ProcessHandle h = process.toHandle();
      List<ProcessHandle> kids = h.descendants().toList();
      h.destroyForcibly();
      for (ProcessHandle k : kids) k.destroyForcibly();
    }
    stop(3000);
    process = null;
  }

  /** Starts it again on the next tick after {@link #hold}. */
  void release(long now) {
    stopped = false;
    nextStartAt = now;
    backoff = INITIAL_BACKOFF_MILLIS;
  }

  boolean held() { return stopped; }

  long pid() {
    return process != null && process.isAlive() ? process.pid() : 0;
  }

  int restarts() { return restarts; }
  String lastExit() { return lastExit; }
  long startedAt() { return process != null ? startedAt : 0; }
}
