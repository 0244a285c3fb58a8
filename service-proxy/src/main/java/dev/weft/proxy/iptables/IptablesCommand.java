package dev.weft.proxy.iptables;

import dev.weft.nat.NatException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs iptables-save / iptables-restore in one network namespace: {@code nsenter --net=<path> cmd}
 * when a path is given, else in the caller's namespace; C locale so messages can be recognised.
 */
final class IptablesCommand {
  private final Path netns;

  IptablesCommand(Path netns) {
    this.netns = netns;
  }

  record Result(int exit, String out, String err, List<String> argv) {
    NatException failure() {
      return new NatException(argv, err.isBlank() ? "exit status " + exit : err);
    }
  }

  /** Runs the command; a non-zero exit is a {@link NatException} with its stderr. */
  String run(String stdin, String... cmd) {
    Result r = exec(stdin, cmd);
    if (r.exit != 0) throw r.failure();
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
      // stdout is read on another thread: a large iptables-save must not block on a full pipe while we write
      String[] stdout = new String[1];
      Thread out = Thread.ofVirtual().start(() -> {
        try {
          stdout[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          stdout[0] = "";
        }
      });
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // the command exited before reading all its input; its stderr says why
      }
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = p.waitFor();
      out.join();
      return new Result(exit, stdout[0], err, argv);
    } catch (IOException e) {
      throw new NatException(argv, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatException(argv, "interrupted");
    }
  }
}
