package dev.weft.kernel;

/**
 * A netlink message that cannot be parsed: truncated header, attribute length out of bounds, a
 * family header shorter than its struct. A {@link KernelException} with errno EPROTO, so callers
 * that handle kernel failures handle this too.
 */
public final class NetlinkFormatException extends KernelException {
  static final int EPROTO = 71;

  public NetlinkFormatException(String detail) {
    super("parse netlink message", EPROTO, detail);
  }
}
