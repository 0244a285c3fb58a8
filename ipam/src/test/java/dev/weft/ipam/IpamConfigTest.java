package dev.weft.ipam;

import static dev.weft.ipam.IpamFixture.parse;
import static org.junit.jupiter.api.Assertions.*;

import dev.weft.cni.protocol.CniError;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpamConfigTest {
  final IpamFixture f = new IpamFixture(Path.of("/tmp/unused"), "n");

  IpamConfig config(String ipam, String extra) throws CniError {
    return IpamConfig.parse(parse(f.conf(ipam, extra)), null);
  }

  @Test
  void defaultsLikeHostLocal() throws CniError {
    IpamConfig c = config("\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"fd00::/64\"}]]", "");
    assertEquals("10.1.0.1-10.1.0.254", c.rangeSets().get(0).toString());
    assertEquals("10.1.0.1", IpamConfig.format(c.rangeSets().get(0).ranges().getFirst().gateway()));
    assertEquals("fd00::1-fd00::ffff:ffff:ffff:ffff", c.rangeSets().get(1).toString());
    assertEquals(Path.of("/tmp/unused/n"), c.networkDir());
    IpamConfig d = IpamConfig.parse(parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"ipam\":{\"subnet\":\"10.2.0.0/30\"}}"), null);
    assertEquals(Path.of("/var/lib/cni/networks/n"), d.networkDir());
    assertEquals("10.2.0.1-10.2.0.2", d.rangeSets().getFirst().toString());
  }

  @Test
  void legacyAndRuntimeRangesArePrepended() throws CniError {
    IpamConfig c = config("\"subnet\":\"10.2.0.0/24\",\"rangeStart\":\"10.2.0.10\",\"ranges\":[[{\"subnet\":\"10.3.0.0/24\"}]]",
        "\"runtimeConfig\":{\"ipRanges\":[[{\"subnet\":\"10.4.0.0/24\"}]]}");
    assertEquals("10.4.0.1-10.4.0.254", c.rangeSets().get(0).toString());
    assertEquals("10.2.0.10-10.2.0.254", c.rangeSets().get(1).toString());
    assertEquals("10.3.0.1-10.3.0.254", c.rangeSets().get(2).toString());
    assertEquals(2, c.rangeSets().get(2).index());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"ranges\":[[{\"subnet\":\"10.1.0.5/24\"}]]|network has host bits set: for a /24 the network address is 10.1.0.0",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/31\"}]]|network 10.1.0.0/31 too small to allocate from",
      "\"ranges\":[[{\"subnet\":\"fd00::/127\"}]]|too small",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"},{\"subnet\":\"fd00::/64\"}]]|mixed address families",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"},{\"subnet\":\"10.1.0.0/25\"}]]|ranges 10.1.0.1-10.1.0.254 and 10.1.0.1-10.1.0.126 overlap",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\"}],[{\"subnet\":\"10.1.0.128/25\"}]]|range set 0 (ipam.ranges[0]) overlaps with 1",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.1.5\"}]]|field ipam.ranges[0][0].rangeStart: 10.1.1.5 not in network 10.1.0.0/24",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeEnd\":\"10.2.0.1\"}]]|rangeEnd: 10.2.0.1 not in network",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.9\",\"rangeEnd\":\"10.1.0.8\"}]]|is before rangeStart",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"gateway\":\"fd00::1\"}]]|not of the family",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0/24\",\"gateway\":\"10.1.0.x\"}]]|invalid IP address",
      "\"ranges\":[[{\"subnet\":\"10.1.0.0\"}]]|invalid CIDR", "\"ranges\":[[{}]]|field ipam.ranges[0][0].subnet: missing",
      "\"ranges\":[[]]|empty range set", "\"ranges\":[{}]|field ipam.ranges[0]: expected an array, got object",
      "\"ranges\":{}|field ipam.ranges: expected an array", "\"ranges\":[]|no IP ranges specified", "|no IP ranges specified",
      "\"subnet\":\"10.1.0.0/24\",\"routes\":[{\"dst\":\"nope\"}]|field ipam.routes[0].dst: invalid CIDR",
      "\"subnet\":\"10.1.0.0/24\",\"routes\":{}|field ipam.routes: expected an array",
      "\"subnet\":\"10.1.0.0/24\",\"dataDir\":7|field ipam.dataDir: expected a string, got number"})
  void invalidConfigsAreCode7(String caseLine) {
    String[] p = caseLine.split("\\|");
    CniError e = assertThrows(CniError.class, () -> config(p[0], ""));
    assertEquals(CniError.INVALID_CONFIG, e.code());
    assertTrue(e.getMessage().contains(p[1]), () -> e.getMessage() + " lacks " + p[1]);
  }

  @Test
  void requestedIpSources() throws CniError {
    String ipam = "\"subnet\":\"10.1.0.0/24\"";
    assertEquals(7, assertThrows(CniError.class, () -> config(ipam, "\"runtimeConfig\":{\"ips\":[\"x\"]}")).code());
    assertEquals(7, assertThrows(CniError.class, () -> config(ipam, "\"args\":{\"cni\":{\"ips\":\"10.1.0.2\"}}")).code());
    assertEquals(7, assertThrows(CniError.class, () -> IpamConfig.parse(parse("{\"name\":\"n\",\"type\":\"t\"}"), null)).code());
    IpamConfig c = IpamConfig.parse(parse(f.conf(ipam, "\"runtimeConfig\":{\"ips\":[\"10.1.0.3/24\",\"10.1.0.4\"]}")),
        IpamFixture.env("c", "eth0", "IP=10.1.0.2,10.1.0.3"));
    assertEquals(3, c.requestedIps().size());
  }
}
