package dev.weft.bench.overlay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server processes the bench starts inside lab namespaces (iperf3 -s, the TCP request/response server). Each
 * is remembered by its {@link Process} (the pid {@code ip netns exec} execs into) and stopped by that pid only:
 * others run iperf3 on this machine too, so nothing is ever stopped by name.
 */
final class Servers {
  private final List<Process> started = new ArrayList<>();

  /**
   * Starts {@code cmd} (already wrapped in {@code ip netns exec}) and waits until a line of its stdout contains
   * {@code readyText}; the rest of its output is drained in the background.
   */
  synchronized Process start(List<String> cmd, String readyText, Duration timeout) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
    }
    started.add(p);
    CompletableFuture<String> ready = new CompletableFuture<>();
    StringBuilder seen = new StringBuilder();
    Thread.ofVirtual().start(() -> {
      try (var r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (!ready.isDone()) {
            seen.append(line).append('\n');
            if (line.contains(readyText)) ready.complete(line);
          }
        }
      } catch (IOException ignored) {
        // the process went away
      }
      ready.complete(null);
    });
    try {
      String line = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (line == null) throw new IllegalStateException(String.join(" ", cmd) + " ended before it was ready: " + seen.toString().strip());
      return p;
    } catch (TimeoutException e) {
      stop(p);
      throw new IllegalStateException(String.join(" ", cmd) + " not ready after " + timeout.toSeconds() + " s: " + seen.toString().strip());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(p);
      throw new IllegalStateException("interrupted while starting " + String.join(" ", cmd), e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Waits up to {@code grace} for {@code p} to exit by itself (iperf3 -s -1 does after its test), then stops it. */
  void awaitOrStop(Process p, Duration grace) {
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) stop(p);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop(p);
    }
    synchronized (this) {
      started.remove(p);
    }
  }

  /** SIGTERM to the process's own pid, SIGKILL after 2 s. */
  static void stop(Process p) {
    if (!p.isAlive()) return;
    p.destroy();
    try {
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops every server still running; returns how many were. */
  synchronized int stopAll() {
    int n = 0;
    for (Process p : started) {
      if (p.isAlive()) n++;
      stop(p);
    }
    started.clear();
    return n;
  }
}
