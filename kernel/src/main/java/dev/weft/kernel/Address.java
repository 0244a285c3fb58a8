package dev.weft.kernel;

/**
 * An interface address (RTM_NEWADDR).
 *
 * @param prefix the local address with its prefix length
 * @param scope RT_SCOPE_* (0 universe, 253 link, 254 host)
 * @param flags IFA_F_* (IFA_FLAGS when present, the 8-bit header field otherwise)
 * @param label IFA_LABEL (IPv4) or null
 */
public record Address(int ifindex, IpPrefix prefix, int scope, int flags, String label) {
  public static final int IFA_F_SECONDARY = 0x01, IFA_F_NODAD = 0x02, IFA_F_DADFAILED = 0x08, IFA_F_TENTATIVE = 0x40,
      IFA_F_PERMANENT = 0x80, IFA_F_NOPREFIXROUTE = 0x200;

  public int family() {
    return prefix.family();
  }

  static Address parse(NetlinkMessage m) {
    m.requireHeader(8, "ifaddrmsg");
    NlAttrs a = m.attrs(8);
    int type = a.has(AddressRequests.IFA_LOCAL) ? AddressRequests.IFA_LOCAL : AddressRequests.IFA_ADDRESS;
    if (!a.has(type)) return null;
    int prefixLen = m.u8(1);
    var addr = a.address(type);
    if (prefixLen > addr.getAddress().length * 8) throw new NetlinkFormatException("prefix length " + prefixLen + " for " + addr);
    int flags = a.has(AddressRequests.IFA_FLAGS) ? a.u32(AddressRequests.IFA_FLAGS) : m.u8(2);
    return new Address(m.u32(4), new IpPrefix(addr, prefixLen), m.u8(3), flags, a.string(AddressRequests.IFA_LABEL, null));
  }
}
