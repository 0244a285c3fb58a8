package dev.weft.ipam;

import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.PluginRunner;
import java.util.Map;

/** {@code weft-ipam}: the standalone IPAM plugin (host-local compatible), e.g. under the reference bridge. */
public final class IpamMain {
  private IpamMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    PluginLog log = PluginLog.standard("weft-ipam", env, System.err);
    int rc = PluginRunner.run(new IpamPlugin(log), env, System.in, System.out, log);
    System.out.flush();
    System.exit(rc);
  }
}
