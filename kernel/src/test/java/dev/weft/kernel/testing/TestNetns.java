package dev.weft.kernel.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Throw-away network namespaces for tests, made and removed with iproute2 (an observer independent
 * of weft's own netlink code). Names start with {@code wft} so scripts/leak-check can spot leaks.
 * Use in try-with-resources or as a field closed in {@code @AfterEach}: closing deletes every
 * namespace it made (and with it every link inside), even when the test failed.
 */
public final class TestNetns implements AutoCloseable {
  private final List<String> names = new ArrayList<>();
  private final String prefix;

  public TestNetns() {
    this.prefix = "wft" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
  }

  /** Creates {@code <unique prefix>-<suffix>} and returns its name. */
  public String create(String suffix) {
    String name = prefix + "-" + suffix;
    Sh.run("ip", "netns", "add", name);
    names.add(name);
    Sh.run("ip", "-n", name, "link", "set", "lo", "up");
    return name;
  }

  public static Path path(String name) {
    return Path.of("/run/netns", name);
  }

  public String prefix() {
    return prefix;
  }

  @Override
  public void close() {
    for (String n : names.reversed()) {
      Sh.runQuietly("ip", "netns", "pids", n).lines().forEach(pid -> Sh.runQuietly("kill", "-9", pid.trim()));
      Sh.runQuietly("ip", "netns", "del", n);
    }
    names.clear();
  }
}
