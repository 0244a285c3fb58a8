package dev.weft.nat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs nft / iptables-restore / conntrack in one network namespace: as {@code nsenter --net=<path>
 * <cmd>} when a path is given, else in the caller's namespace. Messages are forced to the C locale
 * so errors can be recognised.
 */
final class NetnsCommand {
  private final Path netns;

  NetnsCommand(Path netns) {
    this.netns = netns;
  }

  Path netns() {
    return netns;
  }

  record Result(int exit, String out, String err, List<String> argv) {}

  /** Runs the command; a non-zero exit is a {@link NatException} with the trimmed stderr. */
  String run(String stdin, String... cmd) {
    Result r = exec(stdin, cmd);
    if (r.exit != 0) throw new NatException(r.argv, r.err.isBlank() ? "exit status " + r.exit : r.err);
    return r.out;
  }

  Result exec(String stdin, String... cmd) {
    List<String> argv = new ArrayList<>(cmd.length + 2);
    if (netns != null) {
      argv.add("nsenter");
      argv.add("--net=" + netns);
    }
    argv.addAll(List.of(cmd));
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("LC_ALL", "C");
    try {
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // the command exited before reading all its input; its stderr says why
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out, err, argv);
    } catch (IOException e) {
      throw new NatException(argv, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatException(argv, "interrupted");
    }
  }
}
