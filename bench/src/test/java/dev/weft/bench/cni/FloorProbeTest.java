package dev.weft.bench.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloorProbeTest {
  @TempDir Path tmp;

  private Path dist(boolean withStartupFloor) throws Exception {
    Path dist = Files.createDirectories(tmp.resolve(withStartupFloor ? "new" : "old"));
    Files.createDirectories(dist.resolve("bin"));
    Files.createDirectories(dist.resolve("lib/cni"));
    Files.writeString(dist.resolve("bin/weft-cni"), "\u007fELF not really");
    try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(dist.resolve("lib/cni/weft-cni.jar")))) {
      j.putNextEntry(new JarEntry("dev/weft/cni/CniMain.class"));
      if (withStartupFloor) j.putNextEntry(new JarEntry("dev/weft/cni/StartupFloor.class"));
    }
    Files.write(dist.resolve("lib/weft-cni.jvmargs"), List.of("# comment", "/usr/bin/java", "-Xss1m", "-cp", "$home/lib/cni/weft-cni.jar",
        "dev.weft.cni.CniMain"), StandardCharsets.UTF_8);
    return dist;
  }

  private List<String> floorArgs(Path dist) throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work-" + dist.getFileName()));
    FloorProbe.forDist(dist, work);
    return Files.readAllLines(work.resolve("floor-home/lib/weft-cni.jvmargs"));
  }

  @Test
  void floorRunsWeftCnisOwnEmptyMainFromTheUnchangedClassPath() throws Exception {
    Path dist = dist(true);
    List<String> args = floorArgs(dist);
    assertEquals(FloorProbe.STARTUP_FLOOR, args.getLast());
    assertEquals(dist + "/lib/cni/weft-cni.jar", args.get(args.indexOf("-cp") + 1));
  }

  @Test
  void olderDistGetsEmptyMainFromAnAppendedJar() throws Exception {
    Path dist = dist(false);
    List<String> args = floorArgs(dist);
    assertEquals(EmptyMain.class.getName(), args.getLast());
    String cp = args.get(args.indexOf("-cp") + 1);
    assertTrue(cp.startsWith(dist + "/lib/cni/weft-cni.jar:") && cp.endsWith("empty-main.jar"), cp);
  }
}
