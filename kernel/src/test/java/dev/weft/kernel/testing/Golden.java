package dev.weft.kernel.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden-file checks for generated text (nft scripts, iptables-restore input): compares with
 * {@code src/test/resources/<dir>/<name>} of the module under test. Run with
 * {@code -Dweft.updateGolden=true} to (re)write the files after a deliberate change, then review the
 * diff. A missing file is written and the test fails, so a new golden is always looked at once.
 */
public final class Golden {
  private final Path dir;

  private Golden(Path dir) {
    this.dir = dir;
  }

  /** Goldens under {@code src/test/resources/<dir>}. */
  public static Golden at(String dir) {
    return new Golden(Path.of("src/test/resources").resolve(dir));
  }

  public void check(String name, String actual) {
    Path file = dir.resolve(name);
    boolean update = Boolean.getBoolean("weft.updateGolden");
    try {
      if (update || !Files.exists(file)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, actual);
        if (!update) throw new AssertionError("golden file " + file + " was missing: written, review it and rerun");
        return;
      }
      assertEquals(Files.readString(file), actual, "generated text differs from " + file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
