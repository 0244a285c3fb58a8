package dev.weft.bench.cni;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A single timed process that is not a plugin: the JVM floor (weft-cni's own launcher script with its
 * flags and AOT cache, running {@link EmptyMain} instead of CniMain) and the spawn baseline
 * ({@code /bin/true}: what spawning and reaping any process costs this harness).
 */
final class FloorProbe {
  private final String name;
  private final List<String> command;
  private final Path work;

  private FloorProbe(String name, List<String> command, Path work) {
    this.name = name;
    this.command = command;
    this.work = work;
  }

  String name() {
    return name;
  }

  List<String> command() {
    return command;
  }

  CniInvocation.Outcome run() throws IOException, InterruptedException {
    return new CniInvocation(command, CniInvocation.baseEnv(), null, work.resolve(name + ".out"), work.resolve(name + ".err")).run();
  }

  static FloorProbe spawnBaseline(Path work) {
    return new FloorProbe("spawn", List.of("/bin/true"), work);
  }

  /**
   * Copies the weft-cni launcher with two changes: the main class is EmptyMain, and a jar holding
   * only EmptyMain is appended to the class path (an AOT cache accepts a class path that extends the
   * training one, so the cache still loads). The home directory is fixed to dist/ instead of being
   * derived from the script's own path; the readlink the launcher runs is kept.
   *
   * @throws IOException with the reason when the launcher does not have the expected shape
   */
  static FloorProbe jvmFloor(Path launcher, Path distHome, Path work) throws IOException {
    if (!Files.isRegularFile(launcher)) throw new IOException(launcher + " does not exist (run make build)");
    String text = Files.readString(launcher, StandardCharsets.UTF_8);
    Path jar = work.resolve("empty-main.jar");
    writeEmptyMainJar(jar);
    String s = text;
    Matcher home = Pattern.compile("home=\\$\\{self%/bin/\\*\\}").matcher(s);
    if (!home.find()) throw new IOException(launcher + ": no 'home=${self%/bin/*}' line to pin");
    s = home.replaceFirst(Matcher.quoteReplacement("home='" + distHome.toAbsolutePath().normalize() + "'"));
    if (!s.contains(" dev.weft.cni.CniMain ")) throw new IOException(launcher + ": main class dev.weft.cni.CniMain not found");
    s = s.replace(" dev.weft.cni.CniMain ", " " + EmptyMain.class.getName() + " ");
    Matcher cp = Pattern.compile("-cp \"([^\"]*)\"").matcher(s);
    if (!cp.find()) throw new IOException(launcher + ": no -cp \"...\" in the exec line");
    s = cp.replaceFirst(Matcher.quoteReplacement("-cp \"" + cp.group(1) + ":" + jar + "\""));
    Path script = work.resolve("weft-floor");
    Files.writeString(script, s, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new FloorProbe("floor", List.of(script.toString()), work);
  }

  private static void writeEmptyMainJar(Path jar) throws IOException {
    String entry = EmptyMain.class.getName().replace('.', '/') + ".class";
    Manifest mf = new Manifest();
    mf.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (InputStream in = FloorProbe.class.getClassLoader().getResourceAsStream(entry);
         OutputStream out = Files.newOutputStream(jar);
         JarOutputStream jos = new JarOutputStream(out, mf)) {
      if (in == null) throw new IOException("cannot read " + entry + " from the class path");
      jos.putNextEntry(new JarEntry(entry));
      in.transferTo(jos);
      jos.closeEntry();
    }
  }
}
