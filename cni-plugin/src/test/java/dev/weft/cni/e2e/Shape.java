package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.kernel.testing.TestNetns;
import java.util.List;

/** What an ADD result of the reference bridge plugin looks like, per spec version. */
final class Shape {
  static final List<String> VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
  static final String MAC = "[0-9a-f]{2}(:[0-9a-f]{2}){5}";

  private Shape() {}

  static boolean before(String v, String than) {
    return VERSIONS.indexOf(v) < VERSIONS.indexOf(than);
  }

  /**
   * Checks the result of an ADD of {@code ifname} into {@code podNs} on {@code net}: interfaces
   * [bridge, host veth, pod iface], one IPv4 on interface 2 with the gateway; returns its CIDR.
   */
  static String add(JsonNode r, String version, Net net, String podNs, String ifname) {
    String ctx = "result " + r;
    assertEquals(version, r.path("cniVersion").asText(), "cniVersion of " + ctx);
    JsonNode ifs = r.path("interfaces");
    assertEquals(3, ifs.size(), "interfaces [bridge, host veth, pod] in " + ctx);
    assertEquals(net.bridge, ifs.get(0).path("name").asText(), "interfaces[0] is the bridge in " + ctx);
    assertTrue(ifs.get(0).path("mac").asText().matches(MAC), "bridge mac in " + ctx);
    assertFalse(ifs.get(0).has("sandbox"), "bridge has no sandbox in " + ctx);
    assertTrue(ifs.get(1).path("name").asText().matches("veth[0-9a-f]{8}"), "host veth name veth+8 hex in " + ctx);
    assertTrue(ifs.get(1).path("mac").asText().matches(MAC), "host veth mac in " + ctx);
    assertFalse(ifs.get(1).has("sandbox"), "host veth has no sandbox in " + ctx);
    assertEquals(ifname, ifs.get(2).path("name").asText(), "interfaces[2] is the pod's in " + ctx);
    assertTrue(ifs.get(2).path("mac").asText().matches(MAC), "pod mac in " + ctx);
    assertEquals(TestNetns.path(podNs).toString(), ifs.get(2).path("sandbox").asText(), "pod sandbox in " + ctx);
    JsonNode ips = r.path("ips");
    assertEquals(1, ips.size(), "one IP in " + ctx);
    JsonNode ip = ips.get(0);
    String addr = ip.path("address").asText();
    assertTrue(addr.matches(java.util.regex.Pattern.quote(net.prefix) + "\\.\\d{1,3}/24"), "address in " + net.subnet + ": " + ctx);
    assertEquals(net.gateway, ip.path("gateway").asText(), "gateway in " + ctx);
    assertTrue(ip.path("interface").isInt(), "ips[0].interface is an index in " + ctx);
    assertEquals(2, ip.path("interface").asInt(), "ips[0].interface in " + ctx);
    if (before(version, "1.0.0")) assertEquals("4", ip.path("version").asText(), "ips[0].version for " + version + " in " + ctx);
    else assertFalse(ip.has("version"), "no ips[0].version from 1.0.0 on in " + ctx);
    if (r.has("dns")) assertTrue(r.get("dns").isObject(), "dns is an object in " + ctx);
    return addr;
  }

  /** Whether result routes contain {dst, gw}. */
  static boolean hasRoute(JsonNode r, String dst, String gw) {
    for (JsonNode x : r.path("routes")) {
      if (dst.equals(x.path("dst").asText()) && (gw == null ? !x.has("gw") : gw.equals(x.path("gw").asText()))) return true;
    }
    return false;
  }
}
