package dev.weft.cni;

import dev.weft.cni.protocol.CniError;
import dev.weft.kernel.KernelException;
import dev.weft.nat.NatException;

/**
 * weft-cni's own error codes (the spec leaves 100 and up to plugins), and the mapping of internal
 * failures onto CNI errors with a message a person can act on.
 */
final class Errors {
  /** A netlink operation failed; the message names the operation and the errno. */
  static final int KERNEL = 100;
  /** nft / iptables-restore failed; the message carries its stderr. */
  static final int NAT_RULES = 101;
  /** CHECK found the attachment different from what ADD made. */
  static final int CHECK_MISMATCH = 102;

  private Errors() {}

  static CniError toCni(String what, Exception e) {
    if (e instanceof CniError c) return c;
    if (e instanceof KernelException k) return new CniError(KERNEL, what + ": " + k.getMessage(), null);
    if (e instanceof NatException n) return new CniError(NAT_RULES, what + ": " + n.getMessage(), null);
    if (e instanceof IllegalArgumentException i) return new CniError(CniError.INVALID_CONFIG, what + ": " + i.getMessage(), null);
    return new CniError(CniError.IO_FAILURE, what + ": " + e, null);
  }

  static CniError mismatch(String msg) {
    return new CniError(CHECK_MISMATCH, msg, null);
  }
}
