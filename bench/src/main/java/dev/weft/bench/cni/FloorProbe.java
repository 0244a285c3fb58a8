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
  private final String description;

  private FloorProbe(String name, List<String> command, Path work, String description) {
    this.name = name;
    this.command = command;
    this.work = work;
    this.description = description;
  }

  String description() {
    return description;
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
    return new FloorProbe("spawn", List.of("/bin/true"), work, "spawn baseline: /bin/true through this harness");
  }

  /**
   * The floor for dist/: weft-cni is either the JVM launcher script itself, or a small native
   * front-end that, when no agent is configured, executes the JVM from lib/weft-cni.jvmargs
   * ({@link #directFloor}) or, in older builds, its sibling weft-cni-jvm (the launcher script). In that last case the floor copies the front-end next to a floor launcher named
   * weft-cni-jvm, so the floor runs the same chain: front-end, exec, launcher script, JVM.
   */
  static FloorProbe forDist(Path dist, Path work) throws IOException {
    Path cni = dist.resolve("bin/weft-cni"), jvm = dist.resolve("bin/weft-cni-jvm");
    if (!Files.isRegularFile(cni)) throw new IOException(cni + " does not exist (run make build)");
    if (isScript(cni)) return jvmFloor(cni, dist, work, work.resolve("weft-floor"));
    Path jvmArgs = dist.resolve("lib/weft-cni.jvmargs");
    if (Files.isRegularFile(jvmArgs)) return directFloor(cni, jvmArgs, dist, work);
    if (!Files.isRegularFile(jvm)) throw new IOException(cni + " is a binary and there is no " + jvm + " launcher to build a floor from");
    Path dir = Files.createDirectories(work.resolve("floor-bin"));
    jvmFloor(jvm, dist, work, dir.resolve("weft-cni-jvm"));
    Path front = dir.resolve("weft-cni");
    Files.copy(cni, front, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(front, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new FloorProbe("floor", List.of(front.toString()), work,
        "floor: weft-cni's native front-end, exec of the weft-cni-jvm launcher, JVM with its flags + AOT cache, empty main");
  }

  /** weft-cni's own empty main, in its jar and AOT cache (builds since it was added). */
  static final String STARTUP_FLOOR = "dev.weft.cni.StartupFloor";

  /**
   * The front-end executes the JVM itself from lib/weft-cni.jvmargs: the floor is a copy of the
   * front-end in a home of its own whose jvmargs are dist's with an empty main as the main class and
   * $home pinned to dist/ (jars, native stub, AOT cache). The empty main is weft-cni's own
   * {@value #STARTUP_FLOOR}, which the AOT cache holds like CniMain; an older dist without it gets
   * EmptyMain from a jar appended to the class path (the AOT cache accepts a class path that extends
   * the training one), which costs more: the JVM opens the class-path jars to find it.
   */
  static FloorProbe directFloor(Path cni, Path jvmArgs, Path distHome, Path work) throws IOException {
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(jvmArgs, StandardCharsets.UTF_8));
    String home = distHome.toAbsolutePath().normalize().toString();
    int main = -1, cp = -1;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).replace("$home", home);
      lines.set(i, l);
      if (l.equals("dev.weft.cni.CniMain")) main = i;
      if (l.equals("-cp") && i + 1 < lines.size()) cp = i + 1;
    }
    if (main < 0) throw new IOException(jvmArgs + ": main class dev.weft.cni.CniMain not found");
    if (cp < 0) throw new IOException(jvmArgs + ": no -cp line");
    boolean own = hasClass(lines.get(cp), STARTUP_FLOOR);
    if (own) {
      lines.set(main, STARTUP_FLOOR);
    } else {
      Path jar = work.resolve("empty-main.jar");
      writeEmptyMainJar(jar);
      lines.set(main, EmptyMain.class.getName());
      lines.set(cp, lines.get(cp) + ":" + jar);
    }
    Path floorHome = work.resolve("floor-home");
    Files.createDirectories(floorHome.resolve("bin"));
    Files.createDirectories(floorHome.resolve("lib"));
    Files.write(floorHome.resolve("lib/weft-cni.jvmargs"), lines, StandardCharsets.UTF_8);
    Path front = floorHome.resolve("bin/weft-cni");
    Files.copy(cni, front, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(front, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new FloorProbe("floor", List.of(front.toString()), work,
        "floor: weft-cni's native front-end executing the JVM directly (its flags + AOT cache), empty main"
            + (own ? " (" + STARTUP_FLOOR + ", in the cache)" : " (EmptyMain from an extra jar: the JVM opens the class-path jars to find it)"));
  }

  /** Whether one of the jars of a class path holds {@code className}. */
  static boolean hasClass(String classPath, String className) throws IOException {
    String entry = className.replace('.', '/') + ".class";
    for (String j : classPath.split(":")) {
      Path p = Path.of(j);
      if (!Files.isRegularFile(p)) continue;
      try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(p.toFile())) {
        if (z.getEntry(entry) != null) return true;
      }
    }
    return false;
  }

  static boolean isScript(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = in.readNBytes(2);
      return b.length == 2 && b[0] == '#' && b[1] == '!';
    }
  }

  /**
   * Copies a weft-cni JVM launcher with two changes: the main class is EmptyMain, and a jar holding
   * only EmptyMain is appended to the class path (an AOT cache accepts a class path that extends the
   * training one, so the cache still loads). The home directory is fixed to dist/ instead of being
   * derived from the script's own path; the readlink the launcher runs is kept.
   *
   * @throws IOException with the reason when the launcher does not have the expected shape
   */
  static FloorProbe jvmFloor(Path launcher, Path distHome, Path work, Path script) throws IOException {
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
    Files.writeString(script, s, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new FloorProbe("floor", List.of(script.toString()), work,
        "floor: weft-cni's launcher script, JVM with its flags + AOT cache, empty main");
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
