package dev.weft.proxy.model;

/** L4 protocols a Service port can use. */
public enum Protocol {
  TCP, UDP, SCTP;

  /** "tcp", as nft and iptables spell it. */
  public String lower() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
