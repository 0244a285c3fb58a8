package dev.weft.cni;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import java.util.Set;

/**
 * The IPAM half of the plugin: {@code weft-ipam} (and {@code host-local}-compatible configs with
 * type weft-ipam) run in this process; any other {@code ipam.type} is a delegated binary, as the
 * spec requires.
 */
interface IpamClient {
  Result add() throws CniError;

  /** Releases the attachment's addresses; idempotent. */
  void del() throws CniError;

  void check() throws CniError;

  void status() throws CniError;

  void gc(Set<Attachment> valid) throws CniError;

  /** {@code env} is null for STATUS and GC; {@code cniPath} is where a delegated plugin is looked up. */
  static IpamClient of(NetworkConfig conf, CniEnv env, java.util.List<java.nio.file.Path> cniPath) throws CniError {
    Object type = conf.ipam().get("type");
    if (type == null) throw BridgeConfig.invalid("ipam.type: missing (use \"weft-ipam\")");
    if (!(type instanceof String t) || t.isEmpty() || t.contains("/"))
      throw BridgeConfig.invalid("ipam.type: \"" + type + "\" is not a plugin name");
    return t.equals("weft-ipam") ? new InProcessIpam(conf, env) : new DelegatedIpam(t, conf, cniPath);
  }
}
