package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** (11) macspoofchk drops frames with a foreign source MAC; vlan puts the port in its VLAN. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MacSpoofVlanTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  private static void setMac(String ns, String mac) {
    Lab.must(ns, "ip", "link", "set", "eth0", "down");
    Lab.must(ns, "ip", "link", "set", "eth0", "address", mac);
    Lab.must(ns, "ip", "link", "set", "eth0", "up");
  }

  @Test
  void macspoofchkDropsForeignSourceMac() {
    String host = lab.ns("host"), pod = lab.ns("pod");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("macspoofchk", true);
    conf.putObject("runtimeConfig").put("mac", "02:42:0a:0b:0c:0d");
    JsonNode r = net.add("msc-7f3a", pod).config(conf).ok();
    Shape.add(r, "1.0.0", net, pod, "eth0");
    String mac = Obs.link(pod, "eth0").get("address").asText();
    assertEquals("02:42:0a:0b:0c:0d", mac, "runtimeConfig.mac honoured");
    assertEquals(mac, r.at("/interfaces/2/mac").asText(), "result reports the pod mac");
    assertTrue(Obs.ping(pod, net.gateway, 3), "original MAC reaches the gateway");

    setMac(pod, "02:42:de:ad:be:ef");
    Lab.in(host, "ip", "neigh", "flush", "dev", net.bridge);
    Lab.in(pod, "ip", "neigh", "flush", "dev", "eth0");
    assertFalse(Obs.ping(pod, net.gateway, 2), "a spoofed source MAC must not reach the gateway");

    setMac(pod, mac);
    Lab.in(host, "ip", "neigh", "flush", "dev", net.bridge);
    assertTrue(Obs.ping(pod, net.gateway, 3), "back on the original MAC it works again");

    net.del("msc-7f3a", pod).config(conf).quiet();
    String rules = Obs.rules(host);
    assertFalse(rules.contains("02:42:0a:0b:0c:0d"), "mac spoof rule left after DEL:\n" + rules);
    assertFalse(rules.contains("msc-7f3a"), "rule naming the container left after DEL:\n" + rules);
  }

  @Test
  void vlanIsPvidUntaggedAndIsolates() {
    String host = lab.ns("host"), a1 = lab.ns("a1"), a2 = lab.ns("a2"), b1 = lab.ns("b1");
    Net a = lab.net(host);
    // a second network on the same bridge and subnet, in another VLAN
    Net b = lab.net(host, a.name + "-b", a.bridge, a.prefix);
    ObjectNode ca = a.config(), cb = b.config();
    for (ObjectNode c : List.of(ca, cb)) {
      c.put("isGateway", false);
      c.put("isDefaultGateway", false);
    }
    ca.put("vlan", 100);
    cb.put("vlan", 200);
    if (!kernelHasVlanFiltering(host)) {
      // this kernel has no CONFIG_BRIDGE_VLAN_FILTERING: the ADD must fail cleanly and leave nothing
      JsonNode err = a.add("va1", a1).config(ca).fails();
      assertEquals(java.util.Set.of("lo"), Obs.linkNames(a1), "no pod interface after " + err);
      assertEquals(java.util.Map.of(), a.ipFiles(), "no reservation after " + err);
      assertEquals(List.of(), a.weftVeths(), "no host veth after " + err);
      org.junit.jupiter.api.Assumptions.abort("kernel without bridge VLAN filtering: only the clean failure was checked");
    }
    Net.range(cb).put("rangeStart", a.prefix + ".200").put("rangeEnd", a.prefix + ".250");
    JsonNode r1 = a.add("va1", a1).config(ca).ok();
    JsonNode r2 = a.add("va2", a2).config(ca).ok();
    JsonNode r3 = b.add("vb1", b1).config(cb).ok();
    String ip2 = Obs.ip(r2.at("/ips/0/address").asText()), ip3 = Obs.ip(r3.at("/ips/0/address").asText());

    JsonNode br = Obs.link(host, a.bridge);
    assertNotNull(br);
    assertEquals(1, br.at("/linkinfo/info_data/vlan_filtering").asInt(), "vlan filtering on the bridge: " + br);
    List<String> problems = new ArrayList<>();
    checkVlan(problems, host, r1.at("/interfaces/1/name").asText(), 100);
    checkVlan(problems, host, r2.at("/interfaces/1/name").asText(), 100);
    checkVlan(problems, host, r3.at("/interfaces/1/name").asText(), 200);
    assertEquals(List.of(), problems, "bridge -j vlan show: " + Obs.vlans(host));

    assertTrue(Obs.ping(a1, ip2, 3), "same VLAN: pods talk");
    assertFalse(Obs.ping(a1, ip3, 2), "other VLAN: isolated");

    a.del("va1", a1).config(ca).quiet();
    a.del("va2", a2).config(ca).quiet();
    b.del("vb1", b1).config(cb).quiet();
    assertEquals(List.of(), a.weftVeths());
    assertEquals(List.of(), b.weftVeths());
  }

  /** Whether a bridge in {@code ns} can turn on vlan_filtering (probed on a scratch bridge). */
  static boolean kernelHasVlanFiltering(String ns) {
    Lab.must(ns, "ip", "link", "add", "wvlanprobe", "type", "bridge");
    try {
      return Lab.in(ns, "ip", "link", "set", "wvlanprobe", "type", "bridge", "vlan_filtering", "1").exit() == 0;
    } finally {
      Lab.in(ns, "ip", "link", "del", "wvlanprobe");
    }
  }

  /** The port has {@code vid} as PVID + egress untagged, and no other PVID. */
  private static void checkVlan(List<String> problems, String host, String port, int vid) {
    JsonNode entry = null;
    for (JsonNode e : Obs.vlans(host)) if (port.equals(e.path("ifname").asText())) entry = e;
    if (entry == null) {
      problems.add(port + ": not in bridge vlan show");
      return;
    }
    boolean found = false;
    for (JsonNode v : entry.path("vlans")) {
      List<String> flags = new ArrayList<>();
      v.path("flags").forEach(f -> flags.add(f.asText()));
      int id = v.path("vlan").asInt();
      if (id == vid) {
        found = true;
        if (!flags.contains("PVID") || !flags.contains("Egress Untagged")) problems.add(port + ": vid " + vid + " flags " + flags);
      } else if (flags.contains("PVID")) {
        problems.add(port + ": vid " + id + " is PVID instead of " + vid);
      }
    }
    if (!found) problems.add(port + ": vid " + vid + " missing: " + entry);
  }
}
