package dev.weft.kernel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs observer commands (ip -j, bridge -j, nft -j, ping ...) for tests. */
public final class Sh {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Sh() {}

  public record Result(int exit, String out, String err) {
    public Result orThrow(String what) {
      if (exit != 0) throw new AssertionError(what + " exited " + exit + ": " + err + out);
      return this;
    }
  }

  public static Result exec(Map<String, String> env, byte[] stdin, List<String> cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      if (env != null) pb.environment().putAll(env);
      Process p = pb.start();
      if (stdin != null) p.getOutputStream().write(stdin);
      p.getOutputStream().close();
      var out = p.getInputStream().readAllBytes();
      var err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + cmd);
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs a command, failing the test if it exits non-zero; returns stdout. */
  public static String run(String... cmd) {
    return exec(null, null, List.of(cmd)).orThrow(String.join(" ", cmd)).out();
  }

  /** Runs a command and returns stdout whatever the exit code. */
  public static String runQuietly(String... cmd) {
    return exec(null, null, List.of(cmd)).out();
  }

  /** Runs a command printing JSON (e.g. {@code ip -j -n ns link show}) and parses it. */
  public static JsonNode json(String... cmd) {
    String out = run(cmd);
    try {
      return JSON.readTree(out.isBlank() ? "[]" : out);
    } catch (IOException e) {
      throw new AssertionError("not JSON from " + String.join(" ", cmd) + ": " + out, e);
    }
  }

  /** {@code ip -j -n <ns> <args...>} parsed. */
  public static JsonNode ip(String ns, String... args) {
    String[] cmd = new String[4 + args.length];
    cmd[0] = "ip"; cmd[1] = "-j"; cmd[2] = "-n"; cmd[3] = ns;
    System.arraycopy(args, 0, cmd, 4, args.length);
    return json(cmd);
  }

  /** {@code bridge -j -n <ns> <args...>} parsed. */
  public static JsonNode bridge(String ns, String... args) {
    String[] cmd = new String[4 + args.length];
    cmd[0] = "bridge"; cmd[1] = "-j"; cmd[2] = "-n"; cmd[3] = ns;
    System.arraycopy(args, 0, cmd, 4, args.length);
    return json(cmd);
  }

  /** The ifindex of {@code dev} in {@code ns}, read with iproute2. */
  public static int ifindex(String ns, String dev) {
    return ip(ns, "link", "show", "dev", dev).get(0).get("ifindex").asInt();
  }
}
