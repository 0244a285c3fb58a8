package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * (14) The reference plugins as yardstick: the same config given to /usr/lib/cni/bridge +
 * host-local and to weft-cni + weft-ipam, each in its own host namespace, yields the same kernel
 * state and result apart from names and MACs; and a node moves between host-local and weft-ipam on
 * the same data dir without losing a reservation.
 */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class YardstickTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  /** What should match between the two: kernel state around one attachment, and the result. */
  private static Map<String, Object> picture(Net net, String pod, JsonNode result) {
    Map<String, Object> m = new LinkedHashMap<>();
    String veth = result.at("/interfaces/1/name").asText();
    JsonNode br = Obs.link(net.host, net.bridge), eth0 = Obs.link(pod, "eth0"), hv = Obs.link(net.host, veth);
    JsonNode port = Obs.bridgePort(net.host, veth);
    m.put("bridge addresses", Obs.addrs4(net.host, net.bridge));
    m.put("bridge mtu", br == null ? null : br.path("mtu").asInt());
    m.put("bridge mac fixed (addr_assign_type 3, not following its ports)",
        Lab.must(net.host, "cat", "/sys/class/net/" + net.bridge + "/addr_assign_type").strip());
    m.put("bridge up", br != null && AddDelTest.flags(br).contains("UP"));
    m.put("pod addresses", Obs.addrs4(pod, "eth0"));
    m.put("pod routes", Obs.routes4(pod));
    m.put("pod mtu", eth0 == null ? null : eth0.path("mtu").asInt());
    m.put("pod up", eth0 != null && AddDelTest.flags(eth0).contains("UP"));
    m.put("host veth master is the bridge", hv != null && net.bridge.equals(hv.path("master").asText()));
    m.put("host veth mtu", hv == null ? null : hv.path("mtu").asInt());
    m.put("host veth up", hv != null && AddDelTest.flags(hv).contains("UP"));
    m.put("hairpin", port == null ? null : port.path("hairpin").asBoolean());
    m.put("port state", port == null ? null : port.path("state").asText());
    m.put("ip_forward", Obs.sysctl(net.host, "net.ipv4.ip_forward"));
    m.put("pod arp_notify", Obs.sysctl(pod, "net.ipv4.conf.eth0.arp_notify"));
    m.put("result", masked(result));
    return m;
  }

  /** The result with names, MACs and sandbox paths replaced by placeholders. */
  private static JsonNode masked(JsonNode result) {
    ObjectNode r = result.deepCopy();
    for (JsonNode i : r.path("interfaces")) {
      ObjectNode o = (ObjectNode) i;
      if (o.has("mac")) o.put("mac", "<mac>");
      if (o.has("sandbox")) o.put("sandbox", "<netns>");
      if (o.path("name").asText().startsWith("veth")) o.put("name", "<veth>");
    }
    return r;
  }

  @ParameterizedTest(name = "cniVersion {0}")
  @ValueSource(strings = {"0.3.1", "1.0.0"})
  void sameStateAsTheReferencePlugins(String version) {
    String refHost = lab.ns("refh"), refPod = lab.ns("refp"), weftHost = lab.ns("wfh"), weftPod = lab.ns("wfp");
    Net ref = lab.net(refHost);
    Net weft = lab.net(weftHost, ref.name, ref.bridge, ref.prefix);
    ObjectNode refConf = ref.referenceConfig(), weftConf = weft.config();
    for (ObjectNode c : List.of(refConf, weftConf)) {
      c.put("cniVersion", version);
      c.put("mtu", 1400);
      c.put("hairpinMode", true); // the reference defaults to off, weft to on: compare like with like
      Net.ipam(c).putArray("routes").addObject().put("dst", "172.30.0.0/16");
    }
    JsonNode refResult = ref.add("yard", refPod).binary("bridge").config(refConf).ok();
    JsonNode weftResult = weft.add("yard", weftPod).config(weftConf).ok();
    Shape.add(weftResult, version, weft, weftPod, "eth0");

    Map<String, Object> expected = picture(ref, refPod, refResult), actual = picture(weft, weftPod, weftResult);
    StringBuilder diff = new StringBuilder();
    for (String k : expected.keySet()) {
      if (!String.valueOf(expected.get(k)).equals(String.valueOf(actual.get(k))))
        diff.append("\n  ").append(k).append(": reference ").append(expected.get(k)).append(" | weft ").append(actual.get(k));
    }
    assertEquals("", diff.toString(), "weft differs from the reference bridge + host-local (" + version + ")");

    ref.del("yard", refPod).binary("bridge").config(refConf).quiet();
    weft.del("yard", weftPod).config(weftConf).quiet();
    assertEquals(Map.of(), ref.ipFiles());
    assertEquals(Map.of(), weft.ipFiles());
  }

  @Test
  void weftIpamIsADropInForHostLocalUnderTheReferenceBridge() {
    String host = lab.ns("host"), p1 = lab.ns("p1"), p2 = lab.ns("p2");
    Net net = lab.net(host);
    ObjectNode conf = net.referenceConfig();
    Net.ipam(conf).put("type", "weft-ipam");
    JsonNode r1 = net.add("di1", p1).binary("bridge").config(conf).ok();
    JsonNode r2 = net.add("di2", p2).binary("bridge").config(conf).ok();
    String ip1 = Obs.ip(r1.at("/ips/0/address").asText()), ip2 = Obs.ip(r2.at("/ips/0/address").asText());
    assertEquals(List.of(ip1 + "/24"), Obs.addrs4(p1, "eth0"), "reference bridge applied weft-ipam's address");
    assertEquals(Map.of(ip1, "di1\r\neth0", ip2, "di2\r\neth0"), net.ipFiles());
    assertTrue(Obs.ping(p1, ip2, 3));
    net.del("di1", p1).binary("bridge").config(conf).quiet();
    assertEquals(Set.of(ip2), net.ipFiles().keySet(), "reference bridge DEL released through weft-ipam");
    net.del("di2", p2).binary("bridge").config(conf).quiet();
    assertEquals(Map.of(), net.ipFiles());
  }

  @Test
  void nodeSwitchesBetweenHostLocalAndWeftIpamWithoutLosingReservations() {
    String host = lab.ns("host"), pa = lab.ns("pa"), pb = lab.ns("pb"), pc = lab.ns("pc");
    Net net = lab.net(host);
    ObjectNode refConf = net.referenceConfig(), weftConf = net.config();

    String ipA = Obs.ip(net.add("cA", pa).binary("bridge").config(refConf).ok().at("/ips/0/address").asText());
    assertEquals(Map.of(ipA, "cA\r\neth0"), net.ipFiles(), "host-local's reservation of A");

    JsonNode rb = net.add("cB", pb).config(weftConf).ok();
    String ipB = Obs.ip(Shape.add(rb, "1.0.0", net, pb, "eth0"));
    assertNotEquals(ipA, ipB, "weft-ipam honours host-local's reservation");
    assertEquals("cB\r\neth0", net.ipFiles().get(ipB), "weft-ipam writes host-local's format");

    String ipC = Obs.ip(net.add("cC", pc).binary("bridge").config(refConf).ok().at("/ips/0/address").asText());
    assertFalse(Set.of(ipA, ipB).contains(ipC), "host-local honours weft-ipam's reservation: " + ipC);
    assertTrue(Obs.ping(pa, ipB, 3), "reference pod reaches weft pod on the shared bridge");

    net.del("cA", pa).config(weftConf).quiet();
    assertFalse(net.ipFiles().containsKey(ipA), "weft DEL releases host-local's file of A: " + net.ipFiles());
    assertEquals(Set.of("lo"), Obs.linkNames(pa));
    net.del("cB", pb).binary("bridge").config(refConf).quiet();
    assertFalse(net.ipFiles().containsKey(ipB), "host-local DEL releases weft-ipam's file of B: " + net.ipFiles());
    net.del("cC", pc).config(weftConf).quiet();
    assertEquals(Map.of(), net.ipFiles());
  }
}
