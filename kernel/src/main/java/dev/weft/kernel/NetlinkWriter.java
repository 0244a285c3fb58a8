package dev.weft.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one netlink request: the 16-byte {@code nlmsghdr}, a family header (ifinfomsg, rtmsg ...)
 * written field by field, then attributes, nested ones via {@link #begin}/{@link #end}. Little
 * endian (host order on the platforms weft runs on) except where a method says "be".
 */
final class NetlinkWriter {
  static final int NLA_F_NESTED = 0x8000;

  private ByteBuffer buf;
  private final String operation;

  /** A request of {@code type} with {@code flags} (NLM_F_REQUEST is added); operation names it in errors. */
  NetlinkWriter(int type, int flags, String operation) {
    this.operation = operation;
    buf = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(0).putShort((short) type).putShort((short) (flags | Netlink.NLM_F_REQUEST)).putInt(0).putInt(0);
  }

  String operation() {
    return operation;
  }

  int type() {
    return buf.getShort(4) & 0xffff;
  }

  int flags() {
    return buf.getShort(6) & 0xffff;
  }

  // ---- fixed header fields
  NetlinkWriter u8(int v) {
    room(1).put((byte) v);
    return this;
  }

  NetlinkWriter u16(int v) {
    room(2).putShort((short) v);
    return this;
  }

  NetlinkWriter u32(int v) {
    room(4).putInt(v);
    return this;
  }

  // ---- attributes
  NetlinkWriter attr(int type, byte[] value) {
    room(align(4 + value.length)).putShort((short) (4 + value.length)).putShort((short) type).put(value);
    pad();
    return this;
  }

  NetlinkWriter attrU8(int type, int v) {
    return attr(type, new byte[] {(byte) v});
  }

  NetlinkWriter attrU16(int type, int v) {
    room(8).putShort((short) 6).putShort((short) type).putShort((short) v);
    pad();
    return this;
  }

  /** A 16-bit value in network byte order (ports). */
  NetlinkWriter attrBe16(int type, int v) {
    return attr(type, new byte[] {(byte) (v >>> 8), (byte) v});
  }

  NetlinkWriter attrU32(int type, int v) {
    room(8).putShort((short) 8).putShort((short) type).putInt(v);
    return this;
  }

  /** A NUL-terminated string (IFLA_IFNAME, IFLA_INFO_KIND ...). */
  NetlinkWriter attrString(int type, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return attr(type, Arrays.copyOf(b, b.length + 1));
  }

  /** A string without terminating NUL (IFLA_INFO_KIND, as iproute2 sends it). */
  NetlinkWriter attrChars(int type, String s) {
    return attr(type, s.getBytes(StandardCharsets.UTF_8));
  }

  /** Opens a nested attribute (NLA_F_NESTED is not set: most rtnetlink parsers predate it). */
  int begin(int type) {
    int start = buf.position();
    room(4).putShort((short) 0).putShort((short) type);
    return start;
  }

  NetlinkWriter end(int start) {
    buf.putShort(start, (short) (buf.position() - start));
    return this;
  }

  /** The finished message with its length and sequence number filled in. */
  byte[] build(int seq) {
    buf.putInt(0, buf.position()).putInt(8, seq);
    return Arrays.copyOf(buf.array(), buf.position());
  }

  static int align(int n) {
    return (n + 3) & ~3;
  }

  private void pad() {
    while ((buf.position() & 3) != 0) buf.put((byte) 0);
  }

  private ByteBuffer room(int n) {
    if (buf.remaining() < n + 4) {
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n + 4)).order(ByteOrder.LITTLE_ENDIAN);
      bigger.put(buf.array(), 0, buf.position());
      buf = bigger;
    }
    return buf;
  }
}
