package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Named network namespaces through {@code ip netns}, and the checks that say which one we are in. */
final class Netns {
  private Netns() {}

  static final Path RUN_NETNS = Path.of("/run/netns");

  static void add(String name) throws IOException, InterruptedException {
    Sh.check("ip", "netns", "add", name);
  }

  /** Deletes quietly; true when it is gone afterwards. Works on stale names whose mount is gone too. */
  static boolean delete(String name) {
    try {
      Sh.run("ip", "netns", "delete", name);
    } catch (IOException | InterruptedException e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
    }
    return !Files.exists(RUN_NETNS.resolve(name));
  }

  static List<String> list() throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    Sh.Result r = Sh.run("ip", "netns", "list");
    for (String line : r.out().split("\n")) {
      String n = line.strip().split("\\s+")[0];
      if (!n.isEmpty()) out.add(n);
    }
    return out;
  }

  /** "net:[4026531840]" of a /proc/<pid>/ns/net link. */
  static String nsId(Path procNsLink) throws IOException {
    return Files.readSymbolicLink(procNsLink).toString();
  }

  /** The inode of a netns bind mount, in the same "net:[ino]" form as {@link #nsId}. */
  static String nsIdOfMount(String name) throws IOException {
    Object ino = Files.getAttribute(RUN_NETNS.resolve(name), "unix:ino");
    return "net:[" + ino + "]";
  }

  /** Runs a short command and collects its output; for set-up and checks, never timed. */
  static final class Sh {
    private Sh() {}

    record Result(int rc, String out, String err) {}

    static Result run(String... cmd) throws IOException, InterruptedException {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      Path out = Files.createTempFile("wftb-sh", ".out");
      Path err = Files.createTempFile("wftb-sh", ".err");
      try {
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        int rc = pb.start().waitFor();
        return new Result(rc, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    }

    static String check(String... cmd) throws IOException, InterruptedException {
      Result r = run(cmd);
      if (r.rc != 0) throw new IOException(String.join(" ", cmd) + " failed (exit " + r.rc + "): " + r.err.strip());
      return r.out;
    }
  }
}
