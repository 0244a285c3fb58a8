package dev.weft.agent.overlay;

import dev.weft.kernel.testing.Sh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An independent observer of writes: {@code ip monitor route neigh} in a node namespace (it shows
 * routes, ARP entries and FDB entries, additions and deletions). Between two marker routes (a
 * blackhole in table 77, added until seen), every event naming the device is collected: what
 * {@link #during} returns is exactly what the kernel announced while the body ran.
 */
final class KernelEvents {
  private KernelEvents() {}

  /** Runs {@code body} and returns the route/neigh/fdb events on {@code device} it caused. */
  static List<String> during(String ns, String device, Runnable body) {
    Process mon;
    try {
      mon = new ProcessBuilder("ip", "-n", ns, "monitor", "route", "neigh").redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (var in = new BufferedReader(new InputStreamReader(mon.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) lines.add(l.strip());
      } catch (IOException ignored) {
        // monitor killed
      }
    });
    try {
      await(ns, lines, "203.0.113.77", null); // the monitor is listening
      body.run();
      List<String> events = new ArrayList<>();
      await(ns, lines, "203.0.113.78", events);
      return events.stream().filter(l -> l.contains("dev " + device + " ") && !l.contains("203.0.113.7")).toList();
    } finally {
      mon.destroyForcibly();
      reader.interrupt();
    }
  }

  /** Adds and deletes the marker route until the monitor shows it; lines before it go to {@code before}. */
  private static void await(String ns, BlockingQueue<String> lines, String marker, List<String> before) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      Sh.run("ip", "-n", ns, "route", "add", "blackhole", marker + "/32", "table", "77");
      Sh.run("ip", "-n", ns, "route", "del", "blackhole", marker + "/32", "table", "77");
      try {
        for (String l; (l = lines.poll(100, TimeUnit.MILLISECONDS)) != null; ) {
          if (l.contains(marker)) {
            drainMarker(lines, marker);
            return;
          }
          if (before != null) before.add(l);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("ip monitor never showed marker " + marker);
  }

  private static void drainMarker(BlockingQueue<String> lines, String marker) throws InterruptedException {
    String l = lines.poll(200, TimeUnit.MILLISECONDS); // the marker's deletion
    if (l != null && !l.contains(marker)) lines.add(l);
  }
}
