package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Addresses and routes in a throw-away namespace, observed with ip -j. */
@RootTest
class RtnlAddressRouteTest {
  private final TestNetns netns = new TestNetns();
  private String ns;
  private Rtnl rtnl;
  private int eth;

  @BeforeEach
  void setUp() {
    ns = netns.create("r");
    rtnl = Rtnl.openIn(TestNetns.path(ns));
    rtnl.addVeth("eth0", "peer0", null, 0, null, null);
    eth = Sh.ifindex(ns, "eth0");
    rtnl.setUp(eth);
    rtnl.setUp(Sh.ifindex(ns, "peer0"));
  }

  @AfterEach
  void tearDown() {
    if (rtnl != null) rtnl.close();
    netns.close();
  }

  private List<String> observedAddresses() {
    return Sh.ip(ns, "addr", "show", "dev", "eth0").get(0).get("addr_info").findValues("local").stream()
        .map(JsonNode::asText).toList();
  }

  private JsonNode observedRoute(String family, String... selector) {
    String[] args = new String[3 + selector.length];
    args[0] = family; args[1] = "route"; args[2] = "show";
    System.arraycopy(selector, 0, args, 3, selector.length);
    JsonNode r = Sh.ip(ns, args);
    return r.size() == 0 ? null : r.get(0);
  }

  @Test
  void addListDeleteAddresses() {
    rtnl.addAddress(eth, IpPrefix.parse("10.244.1.5/24"));
    rtnl.addAddress(eth, IpPrefix.parse("fd00:1::5/64"), Address.IFA_F_NODAD);
    assertTrue(observedAddresses().containsAll(List.of("10.244.1.5", "fd00:1::5")), observedAddresses().toString());
    JsonNode v6 = Sh.ip(ns, "-6", "addr", "show", "dev", "eth0", "scope", "global").get(0).get("addr_info").get(0);
    assertTrue(v6.has("nodad"), v6.toString());
    assertFalse(v6.has("tentative"), "NODAD: usable at once " + v6);
    assertEquals(24, Sh.ip(ns, "-4", "addr", "show", "dev", "eth0").get(0).at("/addr_info/0/prefixlen").asInt());

    List<Address> mine = rtnl.addresses(eth, 0);
    assertTrue(mine.stream().anyMatch(a -> a.prefix().equals(IpPrefix.parse("10.244.1.5/24"))), mine.toString());
    assertTrue(rtnl.addresses(eth, LibC.AF_INET).stream().allMatch(a -> a.family() == LibC.AF_INET));
    assertTrue(rtnl.addresses(0, 0).stream().anyMatch(a -> a.prefix().toString().equals("127.0.0.1/8")) == Sh.ip(ns, "-4", "addr", "show", "dev", "lo").get(0).get("addr_info").size() > 0);

    var dup = assertThrows(KernelException.class, () -> rtnl.addAddress(eth, IpPrefix.parse("10.244.1.5/24")));
    assertEquals(Errno.EEXIST, dup.errno());
    assertTrue(dup.getMessage().startsWith("add address 10.244.1.5/24 to link #" + eth), dup.getMessage());

    rtnl.deleteAddress(eth, IpPrefix.parse("10.244.1.5/24"));
    assertFalse(observedAddresses().contains("10.244.1.5"));
    assertEquals(Errno.EADDRNOTAVAIL, assertThrows(KernelException.class, () -> rtnl.deleteAddress(eth, IpPrefix.parse("10.244.1.5/24"))).errno());
  }

  @Test
  void routesViaGatewayOnlinkTablesMetrics() {
    rtnl.addAddress(eth, IpPrefix.parse("10.244.1.5/24"));
    rtnl.addRoute(Route.builder().dst("10.96.0.0/12").gateway("10.244.1.1").oif(eth).metric(100).build());
    JsonNode r = observedRoute("-4", "10.96.0.0/12");
    assertEquals("10.244.1.1", r.get("gateway").asText());
    assertEquals("eth0", r.get("dev").asText());
    assertEquals(100, r.get("metric").asInt());
    assertEquals("10.96.0.0/12", observedRoute("-4", "10.96.0.0/12", "proto", "boot").get("dst").asText()); // iproute2's default

    // the CNI default route: gateway outside any on-link prefix, so onlink
    rtnl.addRoute(Route.builder().gateway("169.254.1.1").oif(eth).onlink(true).table(1000).mtu(1400).advmss(1360).build());
    JsonNode d = observedRoute("-4", "default", "table", "1000");
    assertEquals("169.254.1.1", d.get("gateway").asText());
    assertTrue(d.get("flags").toString().contains("onlink"), d.toString());
    assertEquals(1400, d.at("/metrics/0/mtu").asInt(), d.toString());
    assertEquals(1360, d.at("/metrics/0/advmss").asInt(), d.toString());

    // device route, scope link by default; preferred source
    rtnl.addRoute(Route.builder().dst("10.200.0.0/16").oif(eth).src(IpPrefix.parseAddress("10.244.1.5")).build());
    JsonNode dev = observedRoute("-4", "10.200.0.0/16");
    assertEquals("link", dev.get("scope").asText());
    assertEquals("10.244.1.5", dev.get("prefsrc").asText());

    // replace changes the gateway in place; add of the same route is EEXIST
    assertEquals(Errno.EEXIST, assertThrows(KernelException.class,
        () -> rtnl.addRoute(Route.builder().dst("10.96.0.0/12").gateway("10.244.1.1").oif(eth).metric(100).build())).errno());
    rtnl.replaceRoute(Route.builder().dst("10.96.0.0/12").gateway("10.244.1.2").oif(eth).metric(100).build());
    assertEquals("10.244.1.2", observedRoute("-4", "10.96.0.0/12").get("gateway").asText());

    List<Route> listed = rtnl.routes(LibC.AF_INET, 1000);
    assertEquals(1, listed.size(), listed.toString());
    assertTrue(listed.get(0).onlink());
    assertEquals(1400, listed.get(0).mtu());
    assertTrue(rtnl.routes(LibC.AF_INET, Route.TABLE_MAIN).stream().anyMatch(x -> x.dstText().equals("10.96.0.0/12")));

    rtnl.deleteRoute(Route.builder().dst("10.96.0.0/12").oif(eth).build());
    assertNull(observedRoute("-4", "10.96.0.0/12"));
    rtnl.deleteRoute(listed.get(0)); // a listed route deletes as it is
    assertNull(observedRoute("-4", "default", "table", "1000"));
    assertEquals(Errno.ESRCH, assertThrows(KernelException.class, () -> rtnl.deleteRoute(Route.builder().dst("10.96.0.0/12").build())).errno());
  }

  @Test
  void extendedAckTextIsInTheException() {
    rtnl.addAddress(eth, IpPrefix.parse("10.244.1.5/24"));
    // a gateway outside every on-link prefix without onlink: the kernel explains in an extended ack
    var e = assertThrows(KernelException.class, () -> rtnl.addRoute(Route.builder().dst("10.50.0.0/16").gateway("192.0.2.1").oif(eth).build()));
    assertEquals(Errno.ENETUNREACH, e.errno());
    assertTrue(e.getMessage().startsWith("add route 10.50.0.0/16 via 192.0.2.1 dev #" + eth + ": ENETUNREACH ("), e.getMessage());
    assertTrue(e.getMessage().toLowerCase().contains("gateway"), e.getMessage());
  }

  @Test
  void dumpsSpanningManyDatagrams() {
    int n = 1500; // ~90 bytes each: several 32 KiB dump datagrams
    for (int i = 0; i < n; i++) rtnl.addAddress(eth, IpPrefix.parse("10." + (100 + i / 250) + "." + (i % 250) + ".1/32"));
    int observed = Sh.ip(ns, "-4", "addr", "show", "dev", "eth0").get(0).get("addr_info").size();
    assertEquals(n, observed);
    assertEquals(n, rtnl.addresses(eth, LibC.AF_INET).size());
    assertEquals(Sh.ip(ns, "-4", "route", "show", "table", "all").size(), rtnl.routes(LibC.AF_INET, 0).size());
  }

  @Test
  void ipv6Routes() {
    rtnl.addAddress(eth, IpPrefix.parse("fd00:1::5/64"), Address.IFA_F_NODAD);
    rtnl.addRoute(Route.builder().dst("fd00:99::/48").gateway("fd00:1::1").oif(eth).build());
    JsonNode r = observedRoute("-6", "fd00:99::/48");
    assertEquals("fd00:1::1", r.get("gateway").asText());
    rtnl.addRoute(Route.builder().family(LibC.AF_INET6).gateway("fe80::1").oif(eth).build());
    assertEquals("fe80::1", observedRoute("-6", "default").get("gateway").asText());
    assertTrue(rtnl.routes(LibC.AF_INET6, 0).stream().anyMatch(x -> x.dst() == null && x.family() == LibC.AF_INET6));
  }
}
