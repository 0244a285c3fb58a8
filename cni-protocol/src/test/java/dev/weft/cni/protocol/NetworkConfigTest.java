package dev.weft.cni.protocol;

import static dev.weft.cni.protocol.ResultCodecTest.assertCode;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkConfigTest {
  static NetworkConfig parse(String s) throws CniError {
    return NetworkConfig.parse(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void realBridgeConfig() throws CniError {
    NetworkConfig c = parse(ResultCodecTest.resource("bridge-conf-0.4.0.json"));
    assertEquals("gold", c.name());
    assertEquals("bridge", c.type());
    assertEquals("0.4.0", c.cniVersion());
    assertEquals("host-local", c.ipam().get("type"));
    assertTrue(c.bool("isGateway", false));
    assertEquals("wftg0", c.string("bridge", "cni0"));
    assertEquals(1500, c.integer("mtu", 1500));
    assertNull(c.prevResult());
    assertTrue(c.runtimeConfig().isEmpty());
  }

  @Test
  void prevResultAndCapabilities() throws CniError {
    NetworkConfig c = parse("{\"cniVersion\":\"1.1.0\",\"cniVersions\":[\"1.0.0\",\"1.1.0\"],\"name\":\"n\",\"type\":\"portmap\","
        + "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]},"
        + "\"args\":{\"cni\":{\"ips\":[\"10.1.0.9\"]}},\"prevResult\":" + ResultCodecTest.resource("bridge-result-1.0.0.json") + "}");
    assertEquals(2, c.prevResult().ips().size());
    assertEquals(2, c.cniVersions().size());
    assertTrue(c.args().containsKey("cni"));
    assertNotNull(c.runtimeConfig().get("portMappings"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "{", "{\"name\":\"x\"", "[1,2]", "\"str\"", "42", "{\"a\":1}{}", "{\"a\":01}",
      "{'name':'x'}", "{\"name\":\"x\",}"})
  void undecodableIsCode6(String s) {
    CniError e = assertThrows(CniError.class, () -> parse(s));
    assertEquals(CniError.DECODE_FAILURE, e.code(), e.getMessage());
    assertFalse(e.getMessage().contains("\n\tat "), e.getMessage());
  }

  @Test
  void deepNestingAndHugeStringsAreCleanErrors() {
    String deep = "{\"name\":\"n\",\"type\":\"t\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertEquals(6, assertThrows(CniError.class, () -> parse(deep)).code());
    String huge = "{\"name\":\"n\",\"type\":\"t\",\"x\":\"" + "a".repeat(3 << 20) + "\"}";
    assertEquals(6, assertThrows(CniError.class, () -> parse(huge)).code());
    String bigName = "{\"name\":\"" + "a".repeat(100_000) + "é\",\"type\":\"t\"}";
    CniError e = assertThrows(CniError.class, () -> parse(bigName));
    assertEquals(7, e.code());
    assertTrue(e.getMessage().length() < 300, "message is bounded");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"type\":\"t\"}|field name: missing", "{\"name\":\"n\"}|field type: missing", "{\"name\":5,\"type\":\"t\"}|field name: expected a string, got number",
      "{\"name\":\"../etc\",\"type\":\"t\"}|invalid characters in network name",
      "{\"name\":\"n\",\"type\":\"t\",\"ipam\":[]}|field ipam: expected an object, got array",
      "{\"name\":\"n\",\"type\":\"t\",\"cniVersions\":\"1.0.0\"}|field cniVersions: expected an array",
      "{\"name\":\"n\",\"type\":\"t\",\"cniVersions\":[1]}|field cniVersions[0]: expected a string",
      "{\"name\":\"n\",\"type\":\"t\",\"runtimeConfig\":true}|field runtimeConfig: expected an object, got boolean",
      "{\"name\":\"n\",\"type\":\"t\",\"prevResult\":{\"ips\":[{\"address\":\"x\"}]}}|field prevResult.ips[0].address: invalid CIDR"})
  void invalidIsCode7WithThePath(String caseLine) {
    String[] p = caseLine.split("\\|");
    assertCode(CniError.INVALID_CONFIG, p[1], assertThrows(CniError.class, () -> parse(p[0])));
  }

  @Test
  void typedGetters() throws CniError {
    NetworkConfig c = parse("{\"name\":\"n\",\"type\":\"t\",\"mtu\":\"1500\",\"hairpin\":1,\"x\":1.5,\"big\":3000000000}");
    assertCode(7, "field mtu: expected a number, got string", assertThrows(CniError.class, () -> c.integer("mtu", 0)));
    assertCode(7, "field hairpin: expected a boolean, got number", assertThrows(CniError.class, () -> c.bool("hairpin", false)));
    assertCode(7, "expected an integer, got 1.5", assertThrows(CniError.class, () -> c.integer("x", 0)));
    assertCode(7, "out of range", assertThrows(CniError.class, () -> c.integer("big", 0)));
    assertEquals("d", c.string("absent", "d"));
  }

  @Test
  void gcAttachments() throws CniError {
    NetworkConfig c = parse("{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\",\"cni.dev/valid-attachments\":"
        + "[{\"containerID\":\"a\",\"ifname\":\"eth0\"}],\"cni.dev/attachments\":[{\"containerID\":\"b\",\"ifname\":\"eth1\"}]}");
    assertEquals(Set.of(new Attachment("a", "eth0"), new Attachment("b", "eth1")), GcArgs.validAttachments(c));
    assertEquals(Set.of(), GcArgs.validAttachments(parse("{\"name\":\"n\",\"type\":\"t\",\"cni.dev/valid-attachments\":null}")));
    assertEquals(7, assertThrows(CniError.class, () -> GcArgs.validAttachments(parse("{\"name\":\"n\",\"type\":\"t\"}"))).code());
    assertCode(7, "cni.dev/valid-attachments[0].ifname: missing", assertThrows(CniError.class,
        () -> GcArgs.validAttachments(parse("{\"name\":\"n\",\"type\":\"t\",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\"}]}"))));
  }
}
