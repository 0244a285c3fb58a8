package dev.weft.proxy.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Compares generated text with src/test/resources/golden/nft/NAME. Run with
 * {@code -Dweft.updateGolden=true} to (re)write the files after a deliberate change, then review
 * the diff.
 */
final class Golden {
  static final Path DIR = Path.of("src/test/resources/golden/nft");

  private Golden() {}

  static void check(String name, String actual) {
    Path file = DIR.resolve(name);
    try {
      if (Boolean.getBoolean("weft.updateGolden") || !Files.exists(file)) {
        Files.createDirectories(DIR);
        Files.writeString(file, actual);
        if (!Boolean.getBoolean("weft.updateGolden")) throw new AssertionError("golden file " + file + " was missing: written, review it and rerun");
        return;
      }
      assertEquals(Files.readString(file), actual, "generated text differs from " + file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
