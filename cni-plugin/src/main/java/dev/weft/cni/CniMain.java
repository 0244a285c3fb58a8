package dev.weft.cni;

import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.PluginRunner;
import java.util.Map;

/** {@code weft-cni}: the CNI bridge plugin binary. Prints only the result or the error JSON. */
public final class CniMain {
  private CniMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    String trace = env.get("WEFT_CNI_TRACE");
    PhaseTrace.begin(trace);
    PluginLog log = PluginLog.standard("weft-cni", env, System.err);
    int exit = PluginRunner.run(new BridgePlugin(log::info, env), env, System.in, System.out, log);
    System.out.flush();
    PhaseTrace.end(trace, String.valueOf(env.get("CNI_COMMAND")));
    Runtime.getRuntime().halt(exit); // nothing left to run: skip shutdown hooks and finalisation
  }
}
