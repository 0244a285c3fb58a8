package dev.weft.cni;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.Json;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An IPAM plugin binary found on CNI_PATH, run as the spec says: same environment with the verb in
 * CNI_COMMAND, the whole network config on stdin, its result or error JSON on stdout.
 */
final class DelegatedIpam implements IpamClient {
  private static final long TIMEOUT_SECONDS = 60;
  private final String type;
  private final NetworkConfig conf;
  private final List<Path> cniPath;

  DelegatedIpam(String type, NetworkConfig conf, List<Path> cniPath) {
    this.type = type;
    this.conf = conf;
    this.cniPath = cniPath;
  }

  @Override
  public Result add() throws CniError {
    Object out = exec("ADD", conf.rawBytes());
    return Result.fromJson(out);
  }

  @Override
  public void del() throws CniError {
    exec("DEL", conf.rawBytes());
  }

  @Override
  public void check() throws CniError {
    exec("CHECK", conf.rawBytes());
  }

  @Override
  public void status() throws CniError {
    exec("STATUS", conf.rawBytes());
  }

  @Override
  public void gc(Set<Attachment> valid) throws CniError {
    exec("GC", conf.rawBytes());
  }

  private Path binary() throws CniError {
    for (Path dir : cniPath) {
      Path p = dir.resolve(type);
      if (Files.isExecutable(p)) return p;
    }
    throw new CniError(CniError.INVALID_CONFIG,
        "ipam.type: plugin \"" + type + "\" not found in CNI_PATH " + cniPath, null);
  }

  private Object exec(String command, byte[] stdin) throws CniError {
    Path bin = binary();
    ProcessBuilder pb = new ProcessBuilder(bin.toString());
    Map<String, String> e = pb.environment();
    e.put("CNI_COMMAND", command);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    try {
      Process p = pb.start();
      try (var in = p.getOutputStream()) {
        in.write(stdin);
      }
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new CniError(CniError.TRY_AGAIN_LATER, "IPAM plugin " + type + " " + command + " timed out", null);
      }
      Object json = out.length == 0 ? null : parse(out, command);
      if (p.exitValue() != 0) throw delegatedError(json, command, p.exitValue());
      return json;
    } catch (IOException e2) {
      throw new CniError(CniError.IO_FAILURE, "running IPAM plugin " + bin + ": " + e2.getMessage(), null);
    } catch (InterruptedException e2) {
      Thread.currentThread().interrupt();
      throw new CniError(CniError.TRY_AGAIN_LATER, "interrupted while running IPAM plugin " + type, null);
    }
  }

  private Object parse(byte[] out, String command) throws CniError {
    try {
      return Json.parse(out);
    } catch (Json.JsonException e) {
      throw new CniError(CniError.DECODE_FAILURE, "IPAM plugin " + type + " " + command + " printed invalid JSON: " + e.getMessage(), null);
    }
  }

  /** The delegate's own error, code and message kept, so the runtime sees what really failed. */
  private CniError delegatedError(Object json, String command, int exit) {
    if (json instanceof Map<?, ?> m && m.get("code") instanceof Long code) {
      Object msg = m.get("msg");
      Object details = m.get("details");
      return new CniError(code.intValue(), "IPAM plugin " + type + ": " + msg, details == null ? null : details.toString());
    }
    return new CniError(CniError.IO_FAILURE, "IPAM plugin " + type + " " + command + " exited " + exit, null);
  }
}
