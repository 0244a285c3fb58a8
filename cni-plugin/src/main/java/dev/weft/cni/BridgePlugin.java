package dev.weft.cni;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.CniPlugin;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** weft-cni's verbs: each parses the bridge options and hands off to the class that does the work. */
public final class BridgePlugin implements CniPlugin {
  private final Consumer<String> log;
  private final List<Path> cniPath;

  /** {@code env}: the process environment, for CNI_PATH in STATUS and GC (which get no CniEnv). */
  public BridgePlugin(Consumer<String> log, Map<String, String> env) {
    this.log = log;
    this.cniPath = cniPath(env.get("CNI_PATH"));
  }

  private static List<Path> cniPath(String s) {
    List<Path> out = new ArrayList<>();
    if (s != null) for (String d : s.split(":")) if (!d.isEmpty()) out.add(Path.of(d));
    return out;
  }

  @Override
  public Result add(CniEnv env, NetworkConfig conf) throws CniError {
    PhaseTrace.parsed();
    BridgeConfig cfg = BridgeConfig.from(conf, env.args());
    try {
      return new PodAttach(env, conf, cfg, log).run();
    } catch (RuntimeException e) {
      throw Errors.toCni("ADD " + env.containerId() + "/" + env.ifname(), e);
    }
  }

  @Override
  public void del(CniEnv env, NetworkConfig conf) throws CniError {
    PhaseTrace.parsed();
    new PodDetach(env, conf, BridgeConfig.from(conf, env.args()), log).run();
  }

  @Override
  public void check(CniEnv env, NetworkConfig conf) throws CniError {
    BridgeConfig cfg = BridgeConfig.from(conf, env.args());
    try {
      new AttachmentCheck(env, conf, cfg).run();
    } catch (RuntimeException e) {
      throw Errors.toCni("CHECK " + env.containerId() + "/" + env.ifname(), e);
    }
  }

  @Override
  public void status(NetworkConfig conf) throws CniError {
    BridgeConfig.from(conf, Map.of());
    IpamClient.of(conf, null, cniPath).status();
  }

  @Override
  public void gc(NetworkConfig conf, Set<Attachment> valid) throws CniError {
    BridgeConfig cfg = BridgeConfig.from(conf, Map.of());
    try {
      new AttachmentGc(cniPath, conf, cfg, log).run(valid);
    } catch (RuntimeException e) {
      throw Errors.toCni("GC", e);
    }
  }
}
