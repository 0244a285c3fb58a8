package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Parsing dump replies captured from a 6.x kernel (resources captures/*-dump.hex, one datagram per
 * line, read with a Python AF_NETLINK socket in a namespace built with iproute2), and malformed
 * input, which must fail with NetlinkFormatException, never loop or read out of bounds.
 */
class NetlinkParseTest {

  static List<byte[]> datagrams(String name) {
    try (InputStream in = NetlinkParseTest.class.getResourceAsStream("captures/" + name + "-dump.hex")) {
      List<byte[]> out = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"))
        if (!line.isBlank()) out.add(HexFormat.of().parseHex(line.trim()));
      return out;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Parses a capture as the dump loop does: every message of {@code type} through {@code parse}. */
  static <T> List<T> parse(String name, int type, Function<NetlinkMessage, T> parse) {
    List<T> out = new ArrayList<>();
    for (byte[] d : datagrams(name))
      for (NetlinkMessage m : NetlinkMessage.parseAll(d, d.length)) {
        if (m.type() != type) continue;
        T t = parse.apply(m);
        if (t != null) out.add(t);
      }
    return out;
  }

  @Test
  void linkDump() {
    List<Link> links = parse("link", Netlink.RTM_NEWLINK, Link::parse);
    assertEquals(List.of("lo", "vh0", "br0", "vx0"), links.stream().map(Link::name).toList());
    Link lo = links.get(0), vh0 = links.get(1), br0 = links.get(2), vx0 = links.get(3);
    assertNull(lo.kind());
    assertEquals(65536, lo.mtu());
    assertEquals("veth", vh0.kind());
    assertEquals("bridge", vh0.slaveKind());
    assertEquals(1450, vh0.mtu());
    assertEquals("0a:58:0a:f4:01:01", vh0.mac().toString());
    assertEquals(br0.index(), vh0.masterIndex());
    assertEquals(2, vh0.parentIndex()); // vh0@if2: the peer's index in the other namespace
    assertTrue(vh0.linkNetnsId() >= 0);
    assertTrue(vh0.isUp());
    assertFalse(vh0.isLowerUp()); // the peer is down
    assertEquals("bridge", br0.kind());
    assertEquals(-1, br0.linkNetnsId());
    assertEquals("vxlan", vx0.kind());
    assertEquals(new Link.Vxlan(42, IpPrefix.parseAddress("192.0.2.1"), 4789, vh0.index(), false), vx0.vxlan());
    assertEquals("UNKNOWN", vx0.operState());
  }

  @Test
  void addressDump() {
    List<Address> as = parse("addr", Netlink.RTM_NEWADDR, Address::parse);
    assertTrue(as.contains(new Address(3, IpPrefix.parse("10.1.2.3/24"), 0, Address.IFA_F_PERMANENT, "vh0")), as.toString());
    Address v6 = as.stream().filter(a -> a.prefix().toString().equals("fd00::1/64")).findFirst().orElseThrow();
    assertEquals(Address.IFA_F_NODAD, v6.flags() & Address.IFA_F_NODAD);
    assertTrue(as.stream().anyMatch(a -> a.prefix().address().isLinkLocalAddress() && a.scope() == Route.SCOPE_LINK));
  }

  @Test
  void routeDump() {
    List<Route> rs = parse("route", Netlink.RTM_NEWROUTE, Route::parse);
    Route def = rs.stream().filter(r -> r.dst() == null).findFirst().orElseThrow();
    assertEquals(1000, def.table());
    assertEquals(IpPrefix.parseAddress("10.1.2.1"), def.gateway());
    assertTrue(def.onlink());
    assertEquals(1400, def.mtu());
    assertEquals(1360, def.advmss());
    Route dev = rs.stream().filter(r -> r.dstText().equals("10.8.0.0/16")).findFirst().orElseThrow();
    assertEquals(Route.SCOPE_LINK, dev.scope());
    assertEquals(Route.PROTO_BOOT, dev.protocol());
    assertEquals(3, dev.oif());
    Route connected = rs.stream().filter(r -> r.dstText().equals("10.1.2.0/24")).findFirst().orElseThrow();
    assertEquals(Route.PROTO_KERNEL, connected.protocol());
    assertEquals(IpPrefix.parseAddress("10.1.2.3"), connected.src());
    assertTrue(rs.stream().anyMatch(r -> r.table() == Route.TABLE_LOCAL && r.type() == Route.TYPE_LOCAL));
  }

  @Test
  void neighbourDump() {
    List<Neighbour> ns = parse("neigh", Netlink.RTM_NEWNEIGH, Neighbour::parse);
    assertEquals(List.of(new Neighbour(3, IpPrefix.parseAddress("10.1.2.9"), MacAddress.parse("02:00:00:00:00:09"), Neighbour.NUD_PERMANENT, 0)), ns);
  }

  @Test
  void fdbDump() {
    List<FdbEntry> fs = parse("fdb", Netlink.RTM_NEWNEIGH, FdbEntry::parse);
    List<FdbEntry> vx = fs.stream().filter(f -> f.dst() != null).toList();
    assertEquals(2, vx.size(), fs.toString());
    assertEquals(FdbEntry.ZERO, vx.get(0).mac());
    assertEquals(IpPrefix.parseAddress("192.0.2.2"), vx.get(0).dst());
    assertEquals(IpPrefix.parseAddress("192.0.2.3"), vx.get(1).dst());
    assertEquals(Neighbour.NTF_SELF, vx.get(0).flags() & Neighbour.NTF_SELF);
    FdbEntry master = fs.stream().filter(f -> f.masterIndex() != 0).findFirst().orElseThrow(); // the bridge's entry: NDA_MASTER, no NTF_* flag
    assertEquals("0a:58:0a:f4:01:01", master.mac().toString());
    assertEquals(4, master.masterIndex());
  }

  // ---------------------------------------------------------------------------- malformed input

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void truncatedHeaderIsRejected() {
    byte[] b = hex("1000000003000000"); // 8 bytes of a 16-byte header
    assertThrows(NetlinkFormatException.class, () -> NetlinkMessage.parseAll(b, b.length));
  }

  @Test
  void messageLongerThanDatagramIsRejected() {
    byte[] b = hex("2000000010000000010000000000000000000000");
    var e = assertThrows(NetlinkFormatException.class, () -> NetlinkMessage.parseAll(b, b.length));
    assertEquals(71, e.errno());
    assertTrue(e.getMessage().contains("EPROTO"), e.getMessage());
  }

  @Test
  void messageLengthBelowHeaderIsRejected() {
    byte[] b = hex("0000000010000000010000000000000000000000"); // nlmsg_len 0 would loop forever if trusted
    assertThrows(NetlinkFormatException.class, () -> NetlinkMessage.parseAll(b, b.length));
    byte[] huge = hex("ffffffff100000000100000000000000");
    assertThrows(NetlinkFormatException.class, () -> NetlinkMessage.parseAll(huge, huge.length));
  }

  @Test
  void shortFamilyHeaderIsRejected() {
    byte[] b = hex("18000000100000000100000000000000" + "0000000001000000"); // ifinfomsg cut at 8 bytes
    var m = NetlinkMessage.parseAll(b, b.length).get(0);
    assertThrows(NetlinkFormatException.class, () -> Link.parse(m));
  }

  @Test
  void attributeLengthsOutOfBoundsAreRejected() {
    String ifinfo = "00000000010000000000000000000000";
    for (String attr : List.of("03000300", "02000300aaaa", "40000300616263", "0000030000000000")) {
      byte[] b = message(16, ifinfo + attr);
      var m = NetlinkMessage.parseAll(b, b.length).get(0);
      assertThrows(NetlinkFormatException.class, () -> Link.parse(m), attr);
    }
  }

  @Test
  void nestedGarbageIsRejected() {
    // IFLA_LINKINFO (18) whose content claims a 0x30-byte IFLA_INFO_KIND in 8 bytes
    byte[] b = message(16, "00000000010000000000000000000000" + "0c001200" + "30000100" + "76657468");
    var m = NetlinkMessage.parseAll(b, b.length).get(0);
    assertThrows(NetlinkFormatException.class, () -> Link.parse(m));
  }

  @Test
  void wrongSizedValuesAreRejected() {
    // IFLA_MTU (4) with 2 bytes; RTA_DST with 3 bytes
    byte[] b = message(16, "00000000010000000000000000000000" + "06000400dc050000");
    assertThrows(NetlinkFormatException.class, () -> Link.parse(NetlinkMessage.parseAll(b, b.length).get(0)));
    byte[] r = message(24, "02180000fe030001" + "00000000" + "070001000a0102" + "00");
    assertThrows(NetlinkFormatException.class, () -> Route.parse(NetlinkMessage.parseAll(r, r.length).get(0)));
  }

  @Test
  void prefixLengthBeyondAddressIsRejected() {
    byte[] b = message(20, "02400000" + "03000000" + "080002000a010203");
    assertThrows(NetlinkFormatException.class, () -> Address.parse(NetlinkMessage.parseAll(b, b.length).get(0)));
  }

  @Test
  void errorMessageWithExtAckText() {
    // NLMSG_ERROR, flags CAPPED|ACK_TLVS: error -17, echoed request header, NLMSGERR_ATTR_MSG
    String text = HexFormat.of().formatHex("File exists\0".getBytes(StandardCharsets.US_ASCII));
    byte[] b = message(2, 0x300, "efffffff" + "20000000100005060100000000000000" + "10000100" + text);
    NetlinkMessage m = NetlinkMessage.parseAll(b, b.length).get(0);
    assertEquals(-17, m.error());
    assertEquals("File exists", m.extAckMessage());
    byte[] garbled = message(2, 0x300, "efffffff" + "20000000100005060100000000000000" + "ff000100");
    assertThrows(NetlinkFormatException.class, () -> NetlinkMessage.parseAll(garbled, garbled.length).get(0).extAckMessage());
  }

  @Test
  void randomCorruptionNeverEscapesAsAnotherException() {
    corrupt(new Random(42), Integer.getInteger("weft.corruptIterations", 20_000));
  }

  /**
   * Mutates captured datagrams (byte flips, 16-bit length/type fields set to edge values,
   * truncation) and parses them every way; only NetlinkFormatException may come out. Jazzer 0.24
   * cannot instrument Java 25 class files, so this is the coverage-blind stand-in for fuzzing.
   */
  static void corrupt(Random rnd, int iterations) {
    List<byte[]> seeds = new ArrayList<>();
    for (String n : List.of("link", "addr", "route", "neigh", "fdb")) seeds.addAll(datagrams(n));
    int[] edges = {0, 1, 3, 4, 5, 8, 12, 15, 16, 17, 0x7fff, 0x8000, 0xffff};
    for (int i = 0; i < iterations; i++) {
      byte[] d = seeds.get(rnd.nextInt(seeds.size())).clone();
      for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
        int at = rnd.nextInt(d.length);
        if (rnd.nextBoolean() || at + 1 >= d.length) {
          d[at] = (byte) rnd.nextInt(256);
        } else {
          at &= ~1; // a 16-bit field (nla_len, nla_type, nlmsg_len low half)
          int v = edges[rnd.nextInt(edges.length)];
          d[at] = (byte) v;
          d[at + 1] = (byte) (v >>> 8);
        }
      }
      int len = rnd.nextInt(4) == 0 ? rnd.nextInt(d.length + 1) : d.length;
      NetlinkFuzzTest.parseEverything(d, len);
    }
  }

  static byte[] message(int type, String payloadHex) {
    return message(type, 0, payloadHex);
  }

  static byte[] message(int type, int flags, String payloadHex) {
    byte[] p = HexFormat.of().parseHex(payloadHex);
    byte[] b = new byte[16 + p.length];
    java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(b.length).putShort((short) type).putShort((short) flags).putInt(1).putInt(0).put(p);
    return b;
  }
}
