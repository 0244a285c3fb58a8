package dev.weft.nat;

import java.nio.file.Path;

/** Chooses the NAT backend: {@code "nftables"} (the default, also for null) or {@code "iptables"}. */
public final class NatBackend {
  public static final String NFTABLES = "nftables";
  public static final String IPTABLES = "iptables";

  private NatBackend() {}

  /** @param netns a network namespace path to run every command in, or null for the caller's */
  public static MasqueradeRules masquerade(String backend, Path netns) {
    return switch (check(backend)) {
      case IPTABLES -> new IptablesMasqueradeRules(new NetnsCommand(netns));
      default -> new NftMasqueradeRules(new NetnsCommand(netns));
    };
  }

  /** @param netns a network namespace path to run every command in, or null for the caller's */
  public static HostPortRules hostPorts(String backend, Path netns) {
    return switch (check(backend)) {
      case IPTABLES -> new IptablesHostPortRules(new NetnsCommand(netns));
      default -> new NftHostPortRules(new NetnsCommand(netns));
    };
  }

  /** Returns the normalised backend name or throws IllegalArgumentException. */
  public static String check(String backend) {
    if (backend == null || backend.isEmpty() || backend.equals(NFTABLES)) return NFTABLES;
    if (backend.equals(IPTABLES)) return IPTABLES;
    throw new IllegalArgumentException("unknown NAT backend \"" + backend + "\": use \"nftables\" (default) or \"iptables\"");
  }
}
