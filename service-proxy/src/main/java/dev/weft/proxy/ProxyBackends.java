package dev.weft.proxy;

import dev.weft.proxy.iptables.IptablesProxyBackend;
import dev.weft.proxy.nft.NftProxyBackend;
import java.nio.file.Path;

/** The backends by name, and which one to clean when switching. */
public final class ProxyBackends {
  private ProxyBackends() {}

  /**
   * @param mode {@code nftables} or {@code iptables}
   * @param netns the namespace to program (a /run/netns path), null for the current one
   */
  public static ProxyBackend create(String mode, Path netns) {
    return switch (mode) {
      case "nftables" -> new NftProxyBackend(netns);
      case "iptables" -> new IptablesProxyBackend(netns);
      default -> throw new IllegalArgumentException("unknown proxy backend \"" + mode + "\" (nftables or iptables)");
    };
  }

  /** The backend that is not {@code mode}: its rules are removed when {@code mode} starts. */
  public static ProxyBackend other(String mode, Path netns) {
    return create(mode.equals("nftables") ? "iptables" : "nftables", netns);
  }
}
