package dev.weft.nat;

import static dev.weft.nat.MasqueradeKernelTest.strip;
import static dev.weft.nat.NatTopology.GW4;
import static dev.weft.nat.NatTopology.GW6;
import static dev.weft.nat.NatTopology.HOST4;
import static dev.weft.nat.NatTopology.HOST6;
import static dev.weft.nat.NatTopology.tcp;
import static dev.weft.nat.NatTopology.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.testing.RootTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** hostPorts with real traffic from outside, from the host (127.0.0.1 too) and from pods (hairpin). */
@RootTest
class HostPortKernelTest {
  static final AttachmentId POD1 = MasqueradeKernelTest.POD1, POD2 = MasqueradeKernelTest.POD2;
  static final List<PortMapping> MAPPINGS = List.of(
      new PortMapping(8080, 80, "tcp", null),
      new PortMapping(5353, 80, "udp", ""),
      new PortMapping(9090, 80, "tcp", HOST4));
  NatTopology t;

  @BeforeEach
  void topology() {
    t = new NatTopology();
    t.serve(t.pod1, "pod1", 80);
  }

  @AfterEach
  void cleanUp() {
    t.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void reachesThePodFromEverywhere(String backend) {
    HostPortRules ports = NatBackend.hostPorts(backend, t.hostNetns());
    assertEquals("", tcp(t.outside, HOST4, 8080));
    ports.add(POD1, MAPPINGS, List.of(NatTopology.POD1_4, NatTopology.POD1_6));
    ports.add(POD1, MAPPINGS, List.of(NatTopology.POD1_4, NatTopology.POD1_6)); // idempotent

    // from outside: the pod sees the client's own address
    assertEquals("pod1 192.168.77.2", strip(tcp(t.outside, HOST4, 8080)));
    assertEquals("pod1 fd78::2", strip(tcp(t.outside, HOST6, 8080)));
    assertEquals("pod1 192.168.77.2", strip(udp(t.outside, HOST4, 5353, 0)));
    assertEquals("pod1 fd78::2", strip(udp(t.outside, HOST6, 5353, 0)));
    // from the host itself, via localhost (masqueraded, route_localnet) and via its own address
    assertEquals("pod1 10.77.0.1", strip(tcp(t.host, "127.0.0.1", 8080)));
    assertEquals("1", NatTopology.in(t.host, "sysctl", "-n", "net.ipv4.conf.all.route_localnet").strip());
    assertTrue(tcp(t.host, HOST4, 8080).startsWith("pod1 "));
    // hairpin: the pod through a host address to itself, and its neighbour; both masqueraded
    assertEquals("pod1 10.77.0.1", strip(tcp(t.pod1, GW4, 8080)));
    assertEquals("pod1 10.77.0.1", strip(tcp(t.pod1, HOST4, 8080)));
    assertEquals("pod1 10.77.0.1", strip(tcp(t.pod2, HOST4, 8080)));
    assertEquals("pod1 fd77::1", strip(tcp(t.pod1, GW6, 8080)));
    // hostIP: only on 192.168.77.1, not on the gateway address, and IPv4 only
    assertEquals("pod1 192.168.77.2", strip(tcp(t.outside, HOST4, 9090)));
    assertEquals("", tcp(t.pod2, GW4, 9090));
    assertEquals("", tcp(t.outside, HOST6, 9090));

    assertEquals(Set.of(POD1), ports.list("weftnet"));
    assertEquals(4, RuleObserver.count(backend, t.host, POD1, "hostport"),
        "nft: 8080/tcp and 5353/udp on any address, v4 and v6; iptables: a tcp and a udp jump per family");

    ports.remove(POD1);
    ports.remove(POD1); // idempotent
    assertEquals("", tcp(t.outside, HOST4, 8080));
    assertEquals("", tcp(t.outside, HOST6, 8080));
    assertEquals("", tcp(t.host, "127.0.0.1", 8080));
    assertEquals(Set.of(), ports.list("weftnet"));
    assertFalse(RuleObserver.anyAttachment(backend, t.host));
    if (backend.equals("iptables")) assertFalse(NatTopology.in(t.host, "iptables-save", "-t", "nat").contains("WEFT-"), "shared chains go with the last pod");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void clearsStaleUdpConntrackOnAddAndRemove(String backend) {
    HostPortRules ports = NatBackend.hostPorts(backend, t.hostNetns());
    // a UDP flow that starts before the mapping exists is tracked without NAT...
    assertEquals("", NatTopology.udpSilent(t.outside, HOST4, 5353, 40000));
    assertTrue(conntrack(t.host).contains("sport=40000"), conntrack(t.host));
    // ...and would stick to the host after the mapping appears, unless add clears it
    ports.add(POD1, MAPPINGS, List.of(NatTopology.POD1_4));
    String before = conntrack(t.host);
    assertEquals("pod1 192.168.77.2", strip(udp(t.outside, HOST4, 5353, 40000)), () -> "conntrack after add: " + before + "\nnow: " + conntrack(t.host));
    assertTrue(conntrack(t.host).contains("src=10.77.0.2"), conntrack(t.host));

    ports.remove(POD1);
    assertFalse(conntrack(t.host).contains("dport=5353"), "remove deletes the mapped port's UDP entries: " + conntrack(t.host));
    assertEquals("", NatTopology.udpSilent(t.outside, HOST4, 5353, 40000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void retainOnlyKeepsTheListed(String backend) {
    HostPortRules ports = NatBackend.hostPorts(backend, t.hostNetns());
    t.serve(t.pod2, "pod2", 80);
    ports.add(POD1, List.of(new PortMapping(8080, 80, "tcp")), List.of(NatTopology.POD1_4, NatTopology.POD1_6));
    ports.add(POD2, List.of(new PortMapping(8081, 80, "tcp")), List.of(NatTopology.POD2_4, NatTopology.POD2_6));
    assertEquals(Set.of(POD1, POD2), ports.list("weftnet"));
    ports.retainOnly("weftnet", Set.of(POD2));
    assertEquals(Set.of(POD2), ports.list("weftnet"));
    assertEquals("", tcp(t.outside, HOST4, 8080));
    assertEquals("pod2 192.168.77.2", strip(tcp(t.outside, HOST4, 8081)));
    assertEquals("pod2 fd78::2", strip(tcp(t.outside, HOST6, 8081)));
    ports.retainOnly("weftnet", Set.of());
    assertFalse(RuleObserver.anyAttachment(backend, t.host));
  }

  @Test
  void nftRefusesAHostPortTakenByAnotherPod() {
    HostPortRules ports = NatBackend.hostPorts("nftables", t.hostNetns());
    ports.add(POD1, List.of(new PortMapping(8080, 80, "tcp")), List.of(NatTopology.POD1_4));
    NatException e = assertThrows(NatException.class,
        () -> ports.add(POD2, List.of(new PortMapping(8081, 80, "tcp"), new PortMapping(8080, 80, "tcp")), List.of(NatTopology.POD2_4)));
    assertTrue(e.getMessage().contains("already mapped") && e.getMessage().contains("tcp . 8080") && e.getMessage().contains("c0ffee01"), e.getMessage());
    assertEquals(Set.of(POD1), ports.list("weftnet"), "the failed add changed nothing, 8081 included");
    assertEquals("pod1 192.168.77.2", strip(tcp(t.outside, HOST4, 8080)));
  }

  private static String conntrack(String ns) {
    return NatTopology.in(ns, "conntrack", "-L", "-p", "udp");
  }
}
