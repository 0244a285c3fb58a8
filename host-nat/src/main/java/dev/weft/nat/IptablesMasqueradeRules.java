package dev.weft.nat;

import dev.weft.kernel.FileLock;
import dev.weft.kernel.IpPrefix;
import java.util.List;

/** ipMasq as a {@code WEFT-MASQ-<hash>} chain per attachment, jumped from POSTROUTING by pod IP. */
final class IptablesMasqueradeRules extends IptablesRules implements MasqueradeRules {
  IptablesMasqueradeRules(NetnsCommand cmd) {
    super(cmd, IptablesScript.MASQ_PREFIX);
  }

  @Override
  String chain(AttachmentId id) {
    return IptablesScript.masqChain(id);
  }

  @Override
  public void add(AttachmentId id, List<IpPrefix> podAddresses) {
    List<IpPrefix> v4 = podAddresses.stream().filter(IpPrefix::isIpv4).toList();
    List<IpPrefix> v6 = podAddresses.stream().filter(IpPrefix::isIpv6).toList();
    try (FileLock l = lock()) {
      if (!v4.isEmpty()) restore(true, IptablesScript.addMasquerade(id, v4, read(true)));
      try {
        if (!v6.isEmpty()) restore(false, IptablesScript.addMasquerade(id, v6, read(false)));
      } catch (NatException e) {
        if (!v4.isEmpty()) rollback(true, id, e);
        throw e;
      }
    }
  }
}
