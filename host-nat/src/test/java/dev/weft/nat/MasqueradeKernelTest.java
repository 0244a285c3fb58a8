package dev.weft.nat;

import static dev.weft.nat.NatTopology.tcp;
import static dev.weft.nat.NatTopology.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.testing.RootTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ipMasq with real traffic: socat servers outside and in pod2 report the source they saw. */
@RootTest
class MasqueradeKernelTest {
  static final AttachmentId POD1 = new AttachmentId("weftnet", "c0ffee01", "eth0");
  static final AttachmentId POD2 = new AttachmentId("weftnet", "c0ffee02", "eth0");
  static final AttachmentId OTHER_NET = new AttachmentId("othernet", "c0ffee03", "net1");
  NatTopology t;

  @BeforeEach
  void topology() {
    t = new NatTopology();
    t.serve(t.outside, "outside", 7000);
    t.serve(t.pod2, "pod2", 7000);
  }

  @AfterEach
  void cleanUp() {
    t.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void masqueradesOnlyTrafficLeavingTheSubnet(String backend) {
    MasqueradeRules masq = NatBackend.masquerade(backend, t.hostNetns());
    // without rules outside sees the pod address (it has a route back)
    assertEquals("outside 10.77.0.2", strip(tcp(t.pod1, NatTopology.OUT4, 7000)));

    masq.add(POD1, List.of(NatTopology.POD1_4, NatTopology.POD1_6));
    masq.add(POD1, List.of(NatTopology.POD1_4, NatTopology.POD1_6)); // idempotent
    assertEquals("outside 192.168.77.1", strip(tcp(t.pod1, NatTopology.OUT4, 7000)));
    assertEquals("outside 192.168.77.1", strip(udp(t.pod1, NatTopology.OUT4, 7000, 0)));
    assertEquals("outside fd78::1", strip(tcp(t.pod1, NatTopology.OUT6, 7000)));
    assertEquals("outside fd78::1", strip(udp(t.pod1, NatTopology.OUT6, 7000, 0)));
    // pod to pod inside the subnet keeps its source (bridged, through br_netfilter's nat hooks)
    assertEquals("pod2 10.77.0.2", strip(tcp(t.pod1, "10.77.0.3", 7000)));
    assertEquals("pod2 fd77::2", strip(tcp(t.pod1, "fd77::3", 7000)));
    // pod2 has no rules: not masqueraded
    assertEquals("outside 10.77.0.3", strip(tcp(t.pod2, NatTopology.OUT4, 7000)));
    assertEquals(Set.of(POD1), masq.list("weftnet"));
    assertEquals(2, RuleObserver.count(backend, t.host, POD1, "masq"), "one rule per pod address (v4, v6) after two adds");

    masq.remove(POD1);
    masq.remove(POD1); // idempotent
    assertEquals("outside 10.77.0.2", strip(tcp(t.pod1, NatTopology.OUT4, 7000)));
    assertEquals("outside fd77::2", strip(tcp(t.pod1, NatTopology.OUT6, 7000)));
    assertEquals(0, RuleObserver.count(backend, t.host, POD1, "masq"));
    assertEquals(Set.of(), masq.list("weftnet"));
  }

  /**
   * nftables: after this process applied the skeleton, an add sends the elements alone; a table that vanished
   * meanwhile is put back by the same add (the elements fail with ENOENT, the whole script follows), and rules
   * flushed behind weft's back are put back by the first add after the refresh interval.
   */
  @org.junit.jupiter.api.Test
  void elementsAloneUntilTheSkeletonIsGoneOrDue() {
    MasqueradeRules masq = NatBackend.masquerade("nftables", t.hostNetns());
    masq.add(POD1, List.of(NatTopology.POD1_4));
    NatTopology.in(t.host, "nft", "delete", "table", "inet", NftScript.TABLE);
    masq.add(POD2, List.of(NatTopology.POD2_4));
    assertEquals("outside 192.168.77.1", strip(tcp(t.pod2, NatTopology.OUT4, 7000)), "table put back: pod2 masqueraded");
    assertEquals("outside 10.77.0.2", strip(tcp(t.pod1, NatTopology.OUT4, 7000)), "pod1's element went with the old table");
    NatTopology.in(t.host, "nft", "flush", "chain", "inet", NftScript.TABLE, "postrouting");
    masq.add(POD1, List.of(NatTopology.POD1_4)); // within the refresh interval: elements alone
    assertEquals("outside 10.77.0.2", strip(tcp(t.pod1, NatTopology.OUT4, 7000)), "rules flushed, not yet repaired");
    long refresh = NftRules.skeletonRefreshNanos;
    try {
      NftRules.skeletonRefreshNanos = 0;
      masq.add(POD1, List.of(NatTopology.POD1_4));
    } finally {
      NftRules.skeletonRefreshNanos = refresh;
    }
    assertEquals("outside 192.168.77.1", strip(tcp(t.pod1, NatTopology.OUT4, 7000)), "the add after the refresh interval put the rules back");
    assertTrue(NatTopology.in(t.host, "nft", "list", "chain", "inet", NftScript.TABLE, "postrouting").contains("masquerade"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void retainOnlyRemovesExactlyTheOthersOfTheNetwork(String backend) {
    MasqueradeRules masq = NatBackend.masquerade(backend, t.hostNetns());
    masq.add(POD1, List.of(NatTopology.POD1_4, NatTopology.POD1_6));
    masq.add(POD2, List.of(NatTopology.POD2_4, NatTopology.POD2_6));
    masq.add(OTHER_NET, List.of(IpPrefix.parse("10.88.0.9/16")));
    assertEquals(Set.of(POD1, POD2), masq.list("weftnet"));
    assertEquals(Set.of(OTHER_NET), masq.list("othernet"));

    masq.retainOnly("weftnet", Set.of(POD2));
    assertEquals(Set.of(POD2), masq.list("weftnet"));
    assertEquals(Set.of(OTHER_NET), masq.list("othernet"));
    assertEquals(0, RuleObserver.count(backend, t.host, POD1, "masq"));
    assertEquals("outside 10.77.0.2", strip(tcp(t.pod1, NatTopology.OUT4, 7000)));
    assertEquals("outside 192.168.77.1", strip(tcp(t.pod2, NatTopology.OUT4, 7000)));

    masq.retainOnly("othernet", Set.of());
    masq.remove(POD2);
    assertTrue(masq.list("weftnet").isEmpty() && masq.list("othernet").isEmpty());
    assertFalse(RuleObserver.anyAttachment(backend, t.host), "nothing of any attachment is left");
  }

  /** "name address" with the address canonical (socat prints IPv6 peers bracketed and uncompressed). */
  static String strip(String reply) {
    int sp = reply.indexOf(' ');
    if (sp < 0) return reply;
    String a = reply.substring(sp + 1).replace("[", "").replace("]", "");
    try {
      return reply.substring(0, sp + 1) + IpPrefix.format(IpPrefix.parseAddress(a));
    } catch (IllegalArgumentException e) {
      return reply;
    }
  }
}
