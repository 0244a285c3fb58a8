package dev.weft.bench.overlay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command (optionally inside a named network namespace via {@code ip netns exec}) and captures its output. */
final class Cmd {
  private Cmd() {}

  record Result(List<String> command, int rc, String out, String err) {
    boolean ok() {
      return rc == 0;
    }

    /** stdout and stderr, for error messages. */
    String both() {
      return (out.strip() + (err.isBlank() ? "" : "\n" + err.strip())).strip();
    }

    Result require() {
      if (rc != 0) throw new IllegalStateException(String.join(" ", command) + " exited " + rc + ": " + both());
      return this;
    }
  }

  /** {@code ip netns exec NS cmd...}. */
  static List<String> inNs(String ns, String... cmd) {
    List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    c.addAll(List.of(cmd));
    return c;
  }

  static Result run(Duration timeout, String... cmd) {
    return run(List.of(cmd), timeout);
  }

  static Result runIn(String ns, Duration timeout, String... cmd) {
    return run(inNs(ns, cmd), timeout);
  }

  /** Runs to completion; a command still running after {@code timeout} is killed (by its pid) and reported as rc 124. */
  static Result run(List<String> cmd, Duration timeout) {
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
    }
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    Thread to = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
    Thread te = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
    try {
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
      }
      to.join(5000);
      te.join(5000);
      return new Result(List.copyOf(cmd), done ? p.exitValue() : 124, out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8) + (done ? "" : "\n(killed after " + timeout.toSeconds() + " s)"));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try (in) {
      in.transferTo(out);
    } catch (IOException ignored) {
      // the process went away
    }
  }
}
