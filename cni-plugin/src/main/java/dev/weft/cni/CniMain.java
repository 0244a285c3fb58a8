package dev.weft.cni;

import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.PluginRunner;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/** {@code weft-cni}: the CNI bridge plugin binary. Prints only the result or the error JSON. */
public final class CniMain {
  private CniMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    String trace = env.get("WEFT_CNI_TRACE");
    PhaseTrace.begin(trace);
    int exit = run(env, System.in, System.out, System.err);
    PhaseTrace.end(trace, String.valueOf(env.get("CNI_COMMAND")));
    Runtime.getRuntime().halt(exit); // nothing left to run: skip shutdown hooks and finalisation
  }

  /** One invocation, as main runs it (the AOT training runs this too); returns the exit code. */
  static int run(Map<String, String> env, InputStream stdin, PrintStream stdout, PrintStream stderr) {
    PluginLog log = PluginLog.standard("weft-cni", env, stderr);
    int exit = PluginRunner.run(new BridgePlugin(log::info, env), env, stdin, stdout, log);
    stdout.flush();
    return exit;
  }
}
