package dev.weft.nat;

import dev.weft.kernel.IpPrefix;
import java.util.List;

/** ipMasq as elements of {@code masq_sources_v4/v6} and {@code masq_exempt_v4/v6} in weft's nft table. */
final class NftMasqueradeRules extends NftRules implements MasqueradeRules {
  NftMasqueradeRules(NetnsCommand cmd) {
    super(cmd, "masq_");
  }

  @Override
  public void add(AttachmentId id, List<IpPrefix> podAddresses) {
    if (podAddresses.isEmpty()) return;
    applyWithSkeleton(NftScript.masqueradeElements(id, podAddresses));
  }
}
