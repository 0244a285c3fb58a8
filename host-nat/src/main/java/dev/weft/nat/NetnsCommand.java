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
 * so errors can be recognised. The one way weft runs these tools (host NAT, the overlay's egress
 * table, the service proxy, macspoofchk).
 */
public final class NetnsCommand {
  private final Path netns;

  /** @param netns the namespace to run in; null = the caller's */
  public NetnsCommand(Path netns) {
    this.netns = netns;
  }

  public Path netns() {
    return netns;
  }

  public record Result(int exit, String out, String err, List<String> argv) {}

  /** Runs the command; a non-zero exit is a {@link NatException} with the trimmed stderr. */
  public String run(String stdin, String... cmd) {
    Result r = exec(stdin, cmd);
    if (r.exit != 0) throw new NatException(r.argv, r.err.isBlank() ? "exit status " + r.exit : r.err);
    return r.out;
  }

  /** Runs the command and returns whatever happened. */
  public Result exec(String stdin, String... cmd) {
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
      // stderr drained alongside stdout: a tool that fills one pipe while we block on the other would
      // hang. On a platform thread: a virtual one would make every per-pod CNI JVM start the
      // virtual-thread scheduler (~4 ms cold) for this alone.
      String[] err = new String[1];
      Thread errDrain = Thread.ofPlatform().daemon(true).name("stderr of " + cmd[0]).start(() -> err[0] = drain(p.getErrorStream()));
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // the command exited before reading all its input; its stderr says why
      }
      String out = drain(p.getInputStream());
      int exit = p.waitFor();
      errDrain.join(); // orders the drain thread's write of err[0] before the read below
      return new Result(exit, out, err[0], argv);
    } catch (IOException e) {
      throw new NatException(argv, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatException(argv, "interrupted");
    }
  }

  private static String drain(java.io.InputStream s) {
    try {
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
