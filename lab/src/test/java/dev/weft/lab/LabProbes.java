package dev.weft.lab;

import dev.weft.kernel.NetNs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Test support for the lab's end-to-end scenarios: independent observers (a command's output lines, each stamped
 * with the moment this JVM read it), a port held in a namespace (to keep a supervised process from coming back),
 * and a long-lived TCP echo conversation between two pods.
 */
final class LabProbes {
  /** {@code ip netns exec NS CMD...}, whatever it exits with. */
  static dev.weft.kernel.testing.Sh.Result inNsResult(String ns, String... cmd) {
    List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    c.addAll(List.of(cmd));
    return dev.weft.kernel.testing.Sh.exec(java.util.Map.of(), null, c);
  }

  /** {@code ip netns exec NS CMD...}'s stdout; a test failure when it exits non-zero. */
  static String inNs(String ns, String... cmd) {
    var r = inNsResult(ns, cmd);
    if (r.exit() != 0)
      throw new AssertionError("ip netns exec " + ns + " " + String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err() + r.out());
    return r.out();
  }

  private LabProbes() {}

  static long nowMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  /**
   * A command run inside a namespace ({@code ip netns exec}, which execs it: the pid is the command's own),
   * every stdout line kept with its arrival time ({@link #nowMillis()} clock). Closing kills it by its pid.
   */
  static final class LineRecorder implements AutoCloseable {
    record Line(long millis, String text) {}

    private final String what;
    private final Process process;
    private final List<Line> lines = new ArrayList<>();
    private final Thread reader;

    private LineRecorder(String what, Process process) {
      this.what = what;
      this.process = process;
      this.reader = Thread.ofPlatform().daemon().name("rec " + what).start(this::read);
    }

    /** Starts {@code cmd} in {@code ns} and gives it {@code settleMillis} to start listening. */
    static LineRecorder start(String ns, long settleMillis, String... cmd) {
      List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
      c.addAll(List.of(cmd));
      try {
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        p.getOutputStream().close();
        LineRecorder r = new LineRecorder(ns + ": " + String.join(" ", cmd), p);
        Thread.sleep(settleMillis);
        if (!p.isAlive()) throw new AssertionError(r.what + " exited " + p.exitValue() + ": " + r.lines());
        return r;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    private void read() {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) {
          long t = nowMillis();
          synchronized (lines) {
            lines.add(new Line(t, l));
            lines.notifyAll();
          }
        }
      } catch (IOException ignored) {
        // killed
      }
    }

    List<Line> lines() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    int size() {
      synchronized (lines) {
        return lines.size();
      }
    }

    /** The first line from index {@code from} on that matches, waiting up to {@code timeout}; null if none. */
    Line await(int from, Predicate<String> match, Duration timeout) {
      long deadline = nowMillis() + timeout.toMillis();
      synchronized (lines) {
        int i = from;
        while (true) {
          for (; i < lines.size(); i++) if (match.test(lines.get(i).text())) return lines.get(i);
          long left = deadline - nowMillis();
          if (left <= 0) return null;
          try {
            lines.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        }
      }
    }

    /** Every line from index {@code from} on that matches. */
    List<Line> matching(int from, Predicate<String> match) {
      List<Line> out = new ArrayList<>();
      for (Line l : lines().subList(Math.min(from, size()), size())) if (match.test(l.text())) out.add(l);
      return out;
    }

    String what() {
      return what;
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(2, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
        reader.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A listening TCP socket on {@code host:port} inside a namespace, bound as soon as the port is free (retrying
   * until {@code timeout}): a process that needs that port fails to start while it is held.
   */
  static ServerSocket holdPort(String ns, String host, int port, Duration timeout) {
    long deadline = nowMillis() + timeout.toMillis();
    while (true) {
      try {
        return NetNs.call(NetNs.path(ns), () -> {
          ServerSocket s = new ServerSocket();
          s.setReuseAddress(true);
          try {
            s.bind(new InetSocketAddress(host, port), 1);
          } catch (IOException e) {
            s.close();
            throw e;
          }
          return s;
        });
      } catch (UncheckedIOException e) {
        if (nowMillis() > deadline) throw new AssertionError("cannot hold " + host + ":" + port + " in " + ns + ": " + e.getMessage());
        sleep(5);
      }
    }
  }

  static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception ignored) {
      // best effort
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An HTTP GET made from inside a namespace: the status code, or -1 when nothing answers in time. */
  static int httpStatus(String ns, String host, int port, String path, int timeoutMillis) {
    return NetNs.call(NetNs.path(ns), () -> Supervisor.httpGet(host, port, path, timeoutMillis));
  }

  /**
   * One TCP connection from a pod to another pod's echo port (7), opened inside the client pod's namespace, with a
   * background conversation: a numbered line every {@code periodMillis}, each checked to come back. Records the
   * longest gap between two answered lines and the first failure.
   */
  static final class EchoStream implements AutoCloseable {
    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    final String greeting;
    private final Thread thread;
    private final long periodMillis;
    private volatile boolean stop;
    private volatile long answered, maxGapMillis, lastAnswerMillis;
    private volatile String failure;

    EchoStream(String clientNs, String serverIp, long periodMillis) {
      this.periodMillis = periodMillis;
      this.socket = NetNs.call(NetNs.path(clientNs), () -> {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(serverIp, Responder.ECHO_PORT), 3000);
        return s;
      });
      try {
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        greeting = in.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      lastAnswerMillis = nowMillis();
      thread = Thread.ofPlatform().daemon().name("echo stream").start(this::converse);
    }

    private void converse() {
      for (long seq = 1; !stop; seq++) {
        String msg = "seq " + seq;
        try {
          out.write((msg + "\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          String back = in.readLine();
          if (!msg.equals(back)) throw new IOException("sent '" + msg + "', got back '" + back + "'");
          long now = nowMillis();
          maxGapMillis = Math.max(maxGapMillis, now - lastAnswerMillis);
          lastAnswerMillis = now;
          answered = seq;
        } catch (IOException | RuntimeException e) {
          if (!stop) failure = "after " + answered + " answered lines: " + e;
          return;
        }
        sleep(periodMillis);
      }
    }

    long answered() {
      return answered;
    }

    long maxGapMillis() {
      return Math.max(maxGapMillis, failure == null ? nowMillis() - lastAnswerMillis : Long.MAX_VALUE);
    }

    String failure() {
      return failure;
    }

    /** Waits until {@code n} more lines are answered (or fails). */
    void awaitMore(long n, Duration timeout) {
      long target = answered + n, deadline = nowMillis() + timeout.toMillis();
      while (answered < target && failure == null && nowMillis() < deadline) sleep(10);
      if (failure != null) throw new AssertionError("the long-lived TCP connection broke " + failure);
      if (answered < target) throw new AssertionError("the long-lived TCP connection stalled: " + answered + " lines answered, expected " + target);
    }

    @Override
    public void close() {
      stop = true;
      closeQuietly(socket);
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
