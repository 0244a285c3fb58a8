package dev.weft.ipam;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

/** The built {@code dist/bin/weft-ipam} (system property weft.dist); tests using it skip when it is absent or predates IpamMain. */
final class DistLauncher {
  private DistLauncher() {}

  static Path require() {
    Path dist = Path.of(System.getProperty("weft.dist", "dist")).toAbsolutePath();
    Path launcher = dist.resolve("bin/weft-ipam");
    assumeTrue(Files.isExecutable(launcher), "no " + launcher + " (run make build)");
    boolean current;
    try (ZipFile jar = new ZipFile(dist.resolve("lib/weft-ipam.jar").toFile())) {
      current = jar.getEntry("dev/weft/ipam/IpamMain.class") != null;
    } catch (IOException e) {
      current = false;
    }
    assumeTrue(current, dist + " is stale (its weft-ipam.jar has no IpamMain; run make build)");
    return launcher;
  }
}
