package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The binaries under test: {@code <weft.dist>/bin/weft-cni} and {@code weft-ipam}, produced by
 * {@code make build}. Tests are skipped (not failed) when dist/ was not built, or holds only the
 * build skeleton's launcher without the plugin's classes.
 */
final class Dist {
  private static volatile String unusable; // null = not probed yet, "" = usable

  private Dist() {}

  static Path home() {
    String p = System.getProperty("weft.dist");
    if (p == null || p.isBlank()) p = "../dist";
    return Path.of(p).toAbsolutePath().normalize();
  }

  static Path cni() {
    return home().resolve("bin/weft-cni");
  }

  static Path ipam() {
    return home().resolve("bin/weft-ipam");
  }

  /** Skips the calling test unless dist/bin/weft-cni exists and starts. */
  static void assumeBuilt() {
    assumeTrue(Files.isExecutable(cni()), "no " + cni() + " (run make build)");
    assumeTrue(Files.isExecutable(ipam()), "no " + ipam() + " (run make build)");
    assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/host-local")), "containernetworking-plugins not installed");
    if (unusable == null) {
      synchronized (Dist.class) {
        if (unusable == null) unusable = probe();
      }
    }
    assumeTrue(unusable.isEmpty(), unusable);
  }

  /** A launcher whose main class is missing is the skeleton's dist, not a plugin to test. */
  private static String probe() {
    var r = Exec.run(List.of(cni().toString()), Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}".getBytes(), 60);
    if (r.stderr().contains("Could not find or load main class"))
      return cni() + " is the build skeleton (main class missing): run make build";
    return "";
  }
}
