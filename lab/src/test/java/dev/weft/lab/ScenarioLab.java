package dev.weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.weft.kernel.testing.Sh;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The lab of one scenario suite: taken down by a shutdown hook if the test JVM is stopped first, and at the end by
 * {@link #down}, which keeps the logs (agents, etcd, supervisor, failure snapshots) under
 * {@code target/<logs>/<lab>/} and checks that nothing is left behind.
 */
final class ScenarioLab {
  private final Lab lab;
  private final String logs;
  private final Thread downHook;

  /** @param logs the directory under target/ the lab's logs are kept in */
  ScenarioLab(Lab lab, String logs) {
    this.lab = lab;
    this.logs = logs;
    this.downHook = new Thread(this::downQuietly, "lab down");
    Runtime.getRuntime().addShutdownHook(downHook);
  }

  Lab lab() { return lab; }

  void up(Lab.UpOptions options) {
    lab.up(options, new PrintStream(new ByteArrayOutputStream()));
  }

  /** A failure snapshot, kept with the logs. */
  void snapshot(String testName, String text) {
    try {
      Files.createDirectories(lab.paths().logsDir());
      Files.writeString(lab.paths().logsDir().resolve("failure-" + testName + ".txt"), text);
    } catch (IOException e) {
      System.err.println("snapshot: " + e);
    }
  }

  /** Keeps the logs, takes the lab down, and checks that no namespace and no state is left. */
  void down() {
    keepLogs();
    try {
      Runtime.getRuntime().removeShutdownHook(downHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    LabPaths paths = lab.paths();
    String summary = lab.down(null);
    List<String> ns = Sh.runQuietly("ip", "netns", "list").lines().filter(l -> l.startsWith(paths.nsPrefix())).toList();
    assertEquals(List.of(), ns, "namespaces left after down (" + summary + ")");
    assertFalse(Files.exists(paths.stateDir()), "state dir left: " + paths.stateDir());
  }

  private void keepLogs() {
    LabPaths paths = lab.paths();
    Path to = Path.of("target", logs, lab.name()).toAbsolutePath();
    try (Stream<Path> files = Files.exists(paths.stateDir()) ? Files.walk(paths.stateDir()) : Stream.empty()) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log") || f.getFileName().toString().endsWith(".txt")).toList()) {
        Path dest = to.resolve(paths.stateDir().relativize(f).toString());
        Files.createDirectories(dest.getParent());
        Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
      }
      System.out.println("lab logs kept in " + to);
    } catch (IOException | RuntimeException e) {
      System.err.println("keeping the lab logs: " + e);
    }
  }

  private void downQuietly() {
    try {
      lab.down(null);
    } catch (RuntimeException e) {
      System.err.println("lab down: " + e.getMessage());
    }
  }
}
