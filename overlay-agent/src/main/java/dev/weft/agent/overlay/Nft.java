package dev.weft.agent.overlay;

import dev.weft.kernel.NetNs;
import dev.weft.nat.NatException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code nft} in one network namespace: started from a thread inside it (see
 * {@link NetNs}), or in the caller's namespace when none is given. C locale, so errors can be
 * recognised. (host-nat's runner is package-private there, hence this small twin.)
 */
final class Nft {
  private final Path netns;

  Nft(Path netns) {
    this.netns = netns;
  }

  record Result(int exit, String out, String err) {}

  /** Runs {@code nft args...} with {@code stdin}; a non-zero exit is a NatException with stderr. */
  String run(String stdin, String... args) {
    Result r = exec(stdin, args);
    if (r.exit != 0) throw new NatException(argv(args), r.err.isBlank() ? "exit status " + r.exit : r.err);
    return r.out;
  }

  Result exec(String stdin, String... args) {
    List<String> argv = argv(args);
    return netns == null ? start(argv, stdin) : NetNs.call(netns, () -> start(argv, stdin));
  }

  private static List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(args.length + 1);
    argv.add("nft");
    argv.addAll(List.of(args));
    return argv;
  }

  private static Result start(List<String> argv, String stdin) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("LC_ALL", "C");
    try {
      Process p = pb.start();
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // nft exited before reading all its input; its stderr says why
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Result(p.waitFor(), out, err);
    } catch (IOException e) {
      throw new NatException(argv, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatException(argv, "interrupted");
    }
  }
}
