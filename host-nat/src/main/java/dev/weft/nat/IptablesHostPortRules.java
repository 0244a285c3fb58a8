package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.List;
import java.util.Set;

final class IptablesHostPortRules implements HostPortRules {
  private final NetnsCommand cmd;

  IptablesHostPortRules(NetnsCommand cmd) {
    this.cmd = cmd;
  }

  public void add(AttachmentId id, List<PortMapping> mappings, List<IpPrefix> podAddresses) { throw new UnsupportedOperationException("TODO"); }
  public void remove(AttachmentId id) { throw new UnsupportedOperationException("TODO"); }
  public Set<AttachmentId> list(String network) { throw new UnsupportedOperationException("TODO"); }
  public void retainOnly(String network, Set<AttachmentId> keep) { throw new UnsupportedOperationException("TODO"); }
}
