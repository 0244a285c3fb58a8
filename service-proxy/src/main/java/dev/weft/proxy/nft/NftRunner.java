package dev.weft.proxy.nft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs nft in one network namespace: {@code nsenter --net=<path> nft …} when a path is given, else
 * in the caller's namespace. stdout and stderr are drained concurrently (a large script's errors
 * cannot block it), messages are in the C locale.
 */
final class NftRunner {
  private final Path netns;

  NftRunner(Path netns) {
    this.netns = netns;
  }

  record Result(int exit, String out, String err, List<String> argv) {}

  /** {@code nft -f -} with the script on stdin: one transaction. */
  void apply(String script) {
    Result r = exec(script, "nft", "-f", "-");
    if (r.exit != 0) throw new NftException(r.argv, r.err.isBlank() ? "exit status " + r.exit : firstLines(r.err, 12));
  }

  /** {@code nft -c -f -}: the kernel checks the transaction and aborts it; true when it would apply. */
  boolean check(String script) {
    return exec(script, "nft", "-c", "-f", "-").exit == 0;
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
      CompletableFuture<String> err = drain(p.getErrorStream());
      CompletableFuture<String> out = drain(p.getInputStream());
      try (OutputStream in = p.getOutputStream()) {
        if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // nft exited before reading everything; its stderr says why
      }
      int exit = p.waitFor();
      return new Result(exit, out.join(), err.join(), argv);
    } catch (IOException e) {
      throw new NftException(argv, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NftException(argv, "interrupted");
    }
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
