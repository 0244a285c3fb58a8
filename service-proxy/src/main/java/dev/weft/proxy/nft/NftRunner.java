package dev.weft.proxy.nft;

import dev.weft.nat.NetnsCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs nft in one network namespace through {@link NetnsCommand} ({@code nsenter --net=<path> nft …} when a path is given, else
 * in the caller's namespace). stdout and stderr are drained concurrently (a large script's errors
 * cannot block it), messages are in the C locale.
 */
final class NftRunner {
  private final Path netns;
  private final NetnsCommand command;

  NftRunner(Path netns) {
    this.netns = netns;
    this.command = new NetnsCommand(netns);
  }

  /** {@code nft -f -} with the script on stdin: one transaction. */
  void apply(String script) {
    NetnsCommand.Result r = exec(script, "nft", "-f", "-");
    if (r.exit() != 0) throw new NftException(r.argv(), r.err().isBlank() ? "exit status " + r.exit() : firstLines(r.err(), 12));
  }

  /**
   * {@code nft -f -} fed while {@code producer} writes the script (one transaction, as {@link #apply}): nft parses
   * the beginning while the rest is produced. Returns what the producer returned once nft has applied it all.
   */
  <T> T applyStreaming(java.util.function.Function<java.util.function.Consumer<CharSequence>, T> producer) {
    List<String> argv = argv("nft", "-f", "-");
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().put("LC_ALL", "C");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new NftException(argv, "cannot run: " + e.getMessage());
    }
    CompletableFuture<String> err = drain(p.getErrorStream());
    drain(p.getInputStream());
    T result;
    OutputStream in = new java.io.BufferedOutputStream(p.getOutputStream(), 1 << 16);
    boolean[] broken = {false};
    try {
      result = producer.apply(chunk -> {
        if (broken[0]) return;
        try {
          in.write(chunk.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          broken[0] = true; // nft stopped reading (a parse error): its stderr says why
        }
      });
    } catch (RuntimeException | Error e) {
      // killed before it reads the end of the script: nft sends the kernel nothing of an unfinished transaction
      p.destroyForcibly();
      throw e;
    }
    try {
      in.close(); // the end of the script: only now can nft apply it
    } catch (IOException e) {
      broken[0] = true; // nft exited before reading everything; its stderr says why
    }
    try {
      int exit = p.waitFor();
      String e = err.join();
      if (exit != 0) throw new NftException(argv, e.isBlank() ? "exit status " + exit : firstLines(e, 12));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NftException(argv, "interrupted");
    }
    if (broken[0]) throw new NftException(argv, "nft exited before reading the whole script");
    return result;
  }

  /** {@code nft -c -f -}: the kernel checks the transaction and aborts it; true when it would apply. */
  boolean check(String script) {
    return exec(script, "nft", "-c", "-f", "-").exit() == 0;
  }

  private List<String> argv(String... cmd) {
    List<String> argv = new ArrayList<>(cmd.length + 2);
    if (netns != null) {
      argv.add("nsenter");
      argv.add("--net=" + netns);
    }
    argv.addAll(List.of(cmd));
    return argv;
  }

  /** Runs {@code cmd} in the namespace (see {@link NetnsCommand}). */
  NetnsCommand.Result exec(String stdin, String... cmd) {
    return command.exec(stdin, cmd);
  }

  private static CompletableFuture<String> drain(InputStream s) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try (s) {
        f.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        f.complete("");
      }
    });
    return f;
  }

  private static String firstLines(String s, int n) {
    String[] lines = s.strip().split("\n", n + 1);
    if (lines.length <= n) return s.strip();
    return String.join("\n", List.of(lines).subList(0, n)) + "\n…";
  }
}
