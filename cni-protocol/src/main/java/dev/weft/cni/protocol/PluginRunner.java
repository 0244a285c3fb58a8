package dev.weft.cni.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * The main loop shared by weft's CNI plugins: read env and stdin, answer VERSION, parse and
 * version-check the config, dispatch the verb, and print exactly one JSON document on stdout (the
 * result in the negotiated version's shape, or the error). Diagnostics go to the {@link PluginLog}.
 *
 * <ul>
 *   <li>VERSION never needs a config: stdin may be empty or anything; a valid {@code cniVersion} in it
 *       is echoed.
 *   <li>CHECK below 0.4.0 and STATUS/GC below 1.1.0 are code 1 ("config version does not allow X"), as
 *       the Go skel answers.
 *   <li>An unexpected exception is code 5 with its message; the stack trace goes to the log only.
 * </ul>
 */
public final class PluginRunner {
  private PluginRunner() {}

  /** Runs one CNI call; returns the exit code (0 or 1). */
  public static int run(CniPlugin plugin, Map<String, String> env, InputStream stdin, PrintStream stdout, PluginLog log) {
    String version = null;
    String command = env.get("CNI_COMMAND");
    log.context(command, env.get("CNI_CONTAINERID"), env.get("CNI_IFNAME"));
    try {
      if (command == null || command.isEmpty())
        throw new CniError(CniError.INVALID_ENV, "required env variables [CNI_COMMAND] missing");
      byte[] in = readAll(stdin);
      if (command.equals("VERSION")) {
        print(stdout, CniVersion.versionInfo(peekVersion(in)));
        return 0;
      }
      CniEnv cniEnv = CniEnv.from(env);
      NetworkConfig conf = NetworkConfig.parse(in);
      log.configure(conf);
      version = conf.cniVersion();
      version = CniVersion.negotiate(conf.cniVersion(), conf.cniVersions());
      log.info("start, cniVersion " + version + ", network " + conf.name());
      switch (command) {
        case "ADD" -> {
          Result r = plugin.add(cniEnv, conf);
          if (r == null) throw new IllegalStateException("plugin returned no result for ADD");
          print(stdout, r.toJson(version));
        }
        case "DEL" -> plugin.del(cniEnv, conf);
        case "CHECK" -> {
          if (!CniVersion.supportsCheck(version)) throw notAllowed("CHECK", version);
          plugin.check(cniEnv, conf);
        }
        case "STATUS" -> {
          if (!CniVersion.supportsStatusGc(version)) throw notAllowed("STATUS", version);
          plugin.status(conf);
        }
        case "GC" -> {
          if (!CniVersion.supportsStatusGc(version)) throw notAllowed("GC", version);
          plugin.gc(conf, GcArgs.validAttachments(conf));
        }
        default -> throw new CniError(CniError.INVALID_ENV, "unknown CNI_COMMAND: " + command);
      }
      log.info("ok");
      return 0;
    } catch (CniError e) {
      log.error("failed: code " + e.code() + ": " + e.getMessage());
      print(stdout, e.toJson(outputVersion(version)));
      return 1;
    } catch (Throwable t) {
      log.error("internal error", t);
      String msg = t.getMessage() == null ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + t.getMessage();
      CniError e = new CniError(CniError.IO_FAILURE, "internal error: " + JsonFields.shorten(msg), "see " + log.file());
      print(stdout, e.toJson(outputVersion(version)));
      return 1;
    } finally {
      log.flush();
      stdout.flush();
    }
  }

  private static CniError notAllowed(String verb, String version) {
    return new CniError(CniError.INCOMPATIBLE_VERSION, "config version does not allow " + verb,
        "cniVersion " + version + " has no " + verb + " (" + (verb.equals("CHECK") ? "0.4.0" : "1.1.0") + " or later has)");
  }

  private static String outputVersion(String v) {
    return v == null || v.isEmpty() ? CniVersion.LATEST : v;
  }

  private static byte[] readAll(InputStream in) throws CniError {
    if (in == null) return new byte[0];
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new CniError(CniError.IO_FAILURE, "cannot read stdin", e.getMessage());
    }
  }

  /** The cniVersion of a VERSION call's stdin, or null if stdin is empty or not a config. */
  private static String peekVersion(byte[] in) {
    if (in.length == 0) return null;
    try {
      return Json.parse(in) instanceof Map<?, ?> m && m.get("cniVersion") instanceof String s ? s : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static void print(PrintStream out, Map<String, Object> json) {
    out.print(Json.writeString(json));
    out.flush();
  }
}
