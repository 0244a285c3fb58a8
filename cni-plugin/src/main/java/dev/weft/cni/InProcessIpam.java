package dev.weft.cni;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.ipam.Ipam;
import java.util.Set;

/** weft-ipam inside the weft-cni process: no second JVM on the ADD path. */
final class InProcessIpam implements IpamClient {
  private final Ipam ipam;
  private final CniEnv env;

  InProcessIpam(NetworkConfig conf, CniEnv env) throws CniError {
    this.ipam = new Ipam(conf, env);
    this.env = env;
  }

  @Override
  public Result add() throws CniError {
    return ipam.add();
  }

  @Override
  public void del() throws CniError {
    ipam.release(env.containerId(), env.ifname());
  }

  @Override
  public void check() throws CniError {
    ipam.check(env.containerId(), env.ifname());
  }

  @Override
  public void status() throws CniError {
    ipam.status();
  }

  @Override
  public void gc(Set<Attachment> valid) throws CniError {
    ipam.gc(valid);
  }
}
