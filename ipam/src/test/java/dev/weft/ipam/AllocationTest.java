package dev.weft.ipam;

import static dev.weft.ipam.IpamFixture.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.Json;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AllocationTest {
  @TempDir Path tmp;
  IpamFixture f;

  @BeforeEach
  void setUp() {
    f = new IpamFixture(tmp, "net");
  }

  static InetAddress ip(String s) {
    return IpPrefix.parseAddress(s);
  }

  @Test
  void roundRobinSkipsGatewayAndWraps() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/29\"}]]", "");
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 5; i++) got.add(first(add(c, "c" + i)));
    assertEquals(List.of("10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"), got);
    CniError full = assertThrows(CniError.class, () -> add(c, "c5"));
    assertEquals(CniError.TRY_AGAIN_LATER, full.code());
    assertEquals("no IP addresses available in range set 0: 10.9.0.1-10.9.0.6", full.msg());
    assertEquals(CniError.NOT_AVAILABLE, assertThrows(CniError.class, () -> new Ipam(parse(c), null).status()).code());
    assertEquals(List.of(ip("10.9.0.3")), ipam(c, "c1", "eth0", "").release("c1", "eth0"));
    new Ipam(parse(c), null).status();
    assertEquals(List.of(), ipam(c, "c1", "eth0", "").release("c1", "eth0")); // idempotent
    assertEquals("10.9.0.3", first(add(c, "c6"))); // wraps from last reserved .6 to .2.. and finds .3
    assertEquals("10.9.0.3", Files.readString(f.netDir().resolve("last_reserved_ip.0")));
  }

  @Test
  void resultShape() throws Exception {
    Path resolv = tmp.resolve("resolv.conf");
    Files.writeString(resolv, "# c\nnameserver 10.96.0.10\nnameserver fd00::a\nsearch a.svc b.svc\ndomain cluster.local\noptions ndots:5 edns0\nbogus\n");
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\",\"gateway\":\"10.9.0.254\"}],[{\"subnet\":\"fd00:9::/64\"}]],"
        + "\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00:9::1\"}],\"resolvConf\":\"" + resolv + "\"", "");
    Result r = add(c, "c1");
    assertEquals("{\"cniVersion\":\"1.1.0\",\"ips\":[{\"address\":\"10.9.0.1/24\",\"gateway\":\"10.9.0.254\"},{\"address\":"
        + "\"fd00:9::2/64\",\"gateway\":\"fd00:9::1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"::/0\",\"gw\":\"fd00:9::1\"}],"
        + "\"dns\":{\"nameservers\":[\"10.96.0.10\",\"fd00::a\"],\"domain\":\"cluster.local\",\"search\":[\"a.svc\",\"b.svc\"],"
        + "\"options\":[\"ndots:5\",\"edns0\"]}}", Json.writeString(r.toJson("1.1.0")));
    assertTrue(r.interfaces().isEmpty());
    assertEquals("c1\r\neth0", Files.readString(f.netDir().resolve("fd00:9::2")));
  }

  @Test
  void rangeStartEndAndMultipleRanges() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\",\"rangeStart\":\"10.9.0.250\",\"rangeEnd\":\"10.9.0.251\"},"
        + "{\"subnet\":\"10.9.1.0/24\",\"rangeStart\":\"10.9.1.1\",\"rangeEnd\":\"10.9.1.2\"}]]", "");
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 3; i++) got.add(first(add(c, "c" + i)));
    assertEquals(List.of("10.9.0.250", "10.9.0.251", "10.9.1.2"), got); // 10.9.1.1 is that range's gateway
    assertEquals(11, assertThrows(CniError.class, () -> add(c, "c9")).code());
  }

  @Test
  void idempotentAddReturnsTheSameAddresses() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/120\"}]]", "");
    Result a = add(c, "c1");
    Result b = add(c, "c1");
    assertEquals(addresses(a), addresses(b));
    assertEquals(2, Files.list(f.netDir()).filter(p -> !p.getFileName().toString().startsWith("l")).count());
    assertNotEquals(addresses(a), addresses(ipam(c, "c1", "eth1", "").add())); // another interface is another attachment
    assertEquals(List.of(ip("10.9.0.2"), ip("fd00:9::2")), ipam(c, "c1", "eth0", "").reserved("c1", "eth0"));
  }

  @Test
  void requestedIps() throws Exception {
    String ranges = "\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/64\"}]]";
    String c = f.conf(ranges, "\"runtimeConfig\":{\"ips\":[\"10.9.0.50/24\"]},\"args\":{\"cni\":{\"ips\":[\"fd00:9::50\"]}}");
    assertEquals(List.of("10.9.0.50/24", "fd00:9::50/64"), addresses(add(c, "c1")));
    assertEquals(List.of("10.9.0.60/24", "fd00:9::51/64"), addresses(ipam(f.conf(ranges, ""), "c2", "eth0", "IgnoreUnknown=1;IP=10.9.0.60").add()));
    CniError taken = assertThrows(CniError.class, () -> ipam(f.conf(ranges, ""), "c3", "eth0", "IP=fd00:9::50").add());
    assertEquals(7, taken.code());
    assertEquals("requested IP fd00:9::50 is not available in range set 1: fd00:9::1-fd00:9::ffff:ffff:ffff:ffff", taken.msg());
    assertFalse(Files.exists(f.netDir().resolve("10.9.0.61")), "the v4 address taken before the failure was rolled back");
    CniError gw = assertThrows(CniError.class, () -> ipam(f.conf(ranges, ""), "c3", "eth0", "IP=10.9.0.1").add());
    assertTrue(gw.msg().contains("is the gateway"), gw.msg());
    CniError outside = assertThrows(CniError.class, () -> ipam(f.conf(ranges, ""), "c3", "eth0", "IP=10.7.0.1").add());
    assertTrue(outside.msg().contains("requested IPs are in no range set: 10.7.0.1"), outside.msg());
    assertEquals(List.of(), new Ipam(parse(f.conf(ranges, "")), null).reserved("c3", "eth0"));
    CniError bad = assertThrows(CniError.class, () -> ipam(f.conf(ranges, ""), "c3", "eth0", "IP=nonsense").add());
    assertEquals(7, bad.code());
    // the same attachment asking again for what it holds is fine; asking for something else is not
    assertEquals("10.9.0.50", first(ipam(c, "c1", "eth0", "").add()));
    assertEquals(7, assertThrows(CniError.class, () -> ipam(f.conf(ranges, ""), "c1", "eth0", "IP=10.9.0.51").add()).code());
  }

  @Test
  void releaseOldFormatAndOtherAttachments() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}]]", "");
    add(c, "c1");
    Files.writeString(f.netDir().resolve("10.9.0.77"), "old\n");
    Files.writeString(f.netDir().resolve("10.9.0.78"), "c1\r\neth1");
    Ipam i = new Ipam(parse(c), null);
    assertEquals(List.of(ip("10.9.0.2")), i.release("c1", "eth0"));
    assertEquals(List.of(ip("10.9.0.77")), i.release("old", "eth0"));
    assertTrue(Files.exists(f.netDir().resolve("10.9.0.78")));
    assertEquals(List.of(), new Ipam(parse(f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}]]", "").replace("\"net\"", "\"other\"")), null)
        .release("c1", "eth1"));
    assertFalse(Files.exists(tmp.resolve("other")), "release does not create directories");
  }

  @Test
  void gcFreesWhatIsNotValid() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/64\"}]]", "");
    for (String id : List.of("a", "b", "c")) add(c, id);
    Files.writeString(f.netDir().resolve("10.9.0.100"), "a");
    Files.writeString(f.netDir().resolve("10.9.0.101"), "zombie");
    Files.writeString(f.netDir().resolve("10.9.0.102"), "");
    List<InetAddress> freed = new Ipam(parse(c), null).gc(Set.of(new Attachment("a", "eth0"), new Attachment("c", "eth0")));
    assertEquals(Set.of(ip("10.9.0.3"), ip("fd00:9::3"), ip("10.9.0.101"), ip("10.9.0.102")), Set.copyOf(freed));
    assertEquals(List.of(ip("10.9.0.2"), ip("fd00:9::2")), new Ipam(parse(c), null).reserved("a", "eth0"));
    assertTrue(Files.exists(f.netDir().resolve("10.9.0.100")));
    assertTrue(Files.exists(f.netDir().resolve("last_reserved_ip.0")) && Files.exists(f.netDir().resolve("lock")));
  }

  @Test
  void check() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/64\"}]]", "");
    Result r = add(c, "c1");
    new Ipam(parse(c), null).check("c1", "eth0");
    assertEquals(CniError.UNKNOWN_CONTAINER, assertThrows(CniError.class, () -> new Ipam(parse(c), null).check("c2", "eth0")).code());
    String withPrev = c.substring(0, c.length() - 1) + ",\"prevResult\":" + Json.writeString(r.toJson("1.1.0")) + "}";
    new Ipam(parse(withPrev), null).check("c1", "eth0");
    Files.delete(f.netDir().resolve("fd00:9::2"));
    assertTrue(assertThrows(CniError.class, () -> new Ipam(parse(c), null).check("c1", "eth0")).msg().contains("range set 1"));
    String wrongPrev = withPrev.replace("10.9.0.2/24", "10.9.0.9/24");
    Files.writeString(f.netDir().resolve("fd00:9::2"), "c1\r\neth0");
    assertTrue(assertThrows(CniError.class, () -> new Ipam(parse(wrongPrev), null).check("c1", "eth0")).msg().contains("10.9.0.9/24"));
  }

  @Test
  void statusOnLargeV6AndUnusableDir() throws Exception {
    new Ipam(parse(f.conf("\"ranges\":[[{\"subnet\":\"fd00:9::/64\"}]]", "")), null).status();
    Files.writeString(tmp.resolve("file"), "x");
    String c = new IpamFixture(tmp.resolve("file"), "n").conf("\"subnet\":\"10.0.0.0/24\"", "");
    CniError e = assertThrows(CniError.class, () -> new Ipam(parse(c), null).status());
    assertEquals(CniError.NOT_AVAILABLE, e.code());
    assertEquals(CniError.IO_FAILURE, assertThrows(CniError.class, () -> add(c, "x")).code());
  }

  @Test
  void exhaustedV6StopsWithoutScanning() throws Exception {
    String c = f.conf("\"ranges\":[[{\"subnet\":\"fd00:9::/126\"}]]", "");
    assertEquals("fd00:9::2", first(add(c, "a")));
    assertEquals("fd00:9::3", first(add(c, "b")));
    assertEquals(11, assertThrows(CniError.class, () -> add(c, "c")).code());
  }
}
