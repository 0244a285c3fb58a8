package dev.weft.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: its header fields and where its payload lies in the receive
 * buffer. {@link #parseAll} splits a datagram, checking every length against the bytes present.
 */
record NetlinkMessage(int type, int flags, int seq, int pid, byte[] buf, int payloadOffset, int payloadLength) {

  /** Splits {@code len} bytes of {@code buf} into messages; throws on any length that does not fit. */
  static List<NetlinkMessage> parseAll(byte[] buf, int len) {
    if (len < 0 || len > buf.length) throw new NetlinkFormatException("datagram length " + len + " outside buffer of " + buf.length);
    List<NetlinkMessage> out = new ArrayList<>(4);
    int off = 0;
    while (len - off >= Netlink.HDRLEN) {
      int msgLen = Bytes.u32(buf, off);
      if (msgLen < Netlink.HDRLEN || msgLen > len - off)
        throw new NetlinkFormatException("message length " + Integer.toUnsignedString(msgLen) + " at offset " + off + " with " + (len - off) + " bytes left");
      out.add(new NetlinkMessage(Bytes.u16(buf, off + 4), Bytes.u16(buf, off + 6), Bytes.u32(buf, off + 8), Bytes.u32(buf, off + 12),
          buf, off + Netlink.HDRLEN, msgLen - Netlink.HDRLEN));
      off += Math.min(NetlinkWriter.align(msgLen), len - off);
    }
    if (off != len) throw new NetlinkFormatException((len - off) + " trailing bytes, too short for a message header");
    return out;
  }

  /** Checks the payload holds a family header of {@code size} bytes (ifinfomsg = 16, rtmsg = 12 ...). */
  NetlinkMessage requireHeader(int size, String what) {
    if (payloadLength < size) throw new NetlinkFormatException(what + " needs " + size + " bytes, message has " + payloadLength);
    return this;
  }

  int u8(int at) {
    return buf[payloadOffset + at] & 0xff;
  }

  int u16(int at) {
    return Bytes.u16(buf, payloadOffset + at);
  }

  int u32(int at) {
    return Bytes.u32(buf, payloadOffset + at);
  }

  /** The attributes that follow a family header of {@code headerSize} bytes. */
  NlAttrs attrs(int headerSize) {
    requireHeader(headerSize, "header");
    int start = payloadOffset + NetlinkWriter.align(headerSize);
    int end = payloadOffset + payloadLength;
    return NlAttrs.parse(buf, Math.min(start, end), end - Math.min(start, end));
  }

  /** For NLMSG_ERROR / NLMSG_DONE: the (negative) errno, 0 for an ack. */
  int error() {
    requireHeader(4, "error code");
    return u32(0);
  }

  /**
   * For NLMSG_ERROR: the extended ack text (NLMSGERR_ATTR_MSG), or null. Its attributes follow the
   * error code and the echoed request header (plus the echoed payload unless NLM_F_CAPPED).
   */
  String extAckMessage() {
    if ((flags & Netlink.NLM_F_ACK_TLVS) == 0 || payloadLength < 4 + Netlink.HDRLEN) return null;
    int echoed = Netlink.HDRLEN;
    if ((flags & Netlink.NLM_F_CAPPED) == 0) echoed = Bytes.u32(buf, payloadOffset + 4);
    if (echoed < Netlink.HDRLEN || echoed > payloadLength - 4) return null;
    int start = payloadOffset + 4 + NetlinkWriter.align(echoed);
    int end = payloadOffset + payloadLength;
    if (start > end) return null;
    NlAttrs tlvs = NlAttrs.parse(buf, start, end - start);
    return tlvs.has(Netlink.NLMSGERR_ATTR_MSG) ? tlvs.string(Netlink.NLMSGERR_ATTR_MSG) : null;
  }
}
