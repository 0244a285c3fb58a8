package dev.weft.ipam;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.CniPlugin;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.Result;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/** The CNI verbs of the standalone weft-ipam plugin, each a call on {@link Ipam}. */
public final class IpamPlugin implements CniPlugin {
  private final PluginLog log;

  public IpamPlugin(PluginLog log) {
    this.log = log;
  }

  @Override
  public Result add(CniEnv env, NetworkConfig conf) throws CniError {
    Result r = new Ipam(conf, env).add();
    log.info("reserved " + addresses(r));
    return r;
  }

  @Override
  public void del(CniEnv env, NetworkConfig conf) throws CniError {
    List<InetAddress> freed = new Ipam(conf, env).release(env.containerId(), env.ifname());
    log.info("released " + text(freed));
  }

  @Override
  public void check(CniEnv env, NetworkConfig conf) throws CniError {
    new Ipam(conf, env).check(env.containerId(), env.ifname());
  }

  @Override
  public void status(NetworkConfig conf) throws CniError {
    new Ipam(conf, null).status();
  }

  @Override
  public void gc(NetworkConfig conf, Set<Attachment> valid) throws CniError {
    List<InetAddress> freed = new Ipam(conf, null).gc(valid);
    log.info("gc released " + text(freed));
  }

  private static String addresses(Result r) {
    StringBuilder sb = new StringBuilder();
    for (Result.IpConfig ip : r.ips()) sb.append(sb.isEmpty() ? "" : " ").append(ip.address());
    return sb.toString();
  }

  private static String text(List<InetAddress> l) {
    StringBuilder sb = new StringBuilder();
    for (InetAddress a : l) sb.append(sb.isEmpty() ? "" : " ").append(dev.weft.kernel.IpPrefix.format(a));
    return sb.isEmpty() ? "nothing" : sb.toString();
  }
}
