package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.IpPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Results against goldens captured from the reference bridge (Debian containernetworking-plugins 1.1.1). */
class ResultCodecTest {
  static String resource(String name) {
    try (InputStream in = ResultCodecTest.class.getResourceAsStream("/golden/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException | NullPointerException e) {
      throw new AssertionError("missing resource " + name, e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0"})
  void goldenRoundTripsByteForByte(String v) throws CniError {
    String golden = resource("bridge-result-" + v + ".json");
    Result r = Result.fromJson(Json.parse(golden));
    assertEquals(v, r.cniVersion());
    assertEquals(3, r.interfaces().size());
    assertEquals(2, r.ips().get(0).interfaceIndex());
    assertEquals(golden, Json.writeString(r.toJson(v)));
  }

  @Test
  void convertsDownAndUp() throws CniError {
    Result r100 = Result.fromJson(Json.parse(resource("bridge-result-1.0.0.json")));
    Map<String, Object> as040 = r100.toJson("0.4.0");
    @SuppressWarnings("unchecked")
    Map<String, Object> ip0 = (Map<String, Object>) ((List<?>) as040.get("ips")).get(0);
    assertEquals("4", ip0.get("version"));
    assertEquals("6", ((Map<?, ?>) ((List<?>) as040.get("ips")).get(1)).get("version"));
    Result back = Result.fromJson(as040);
    assertEquals(r100.withVersion("0.4.0"), back);
    assertFalse(Json.writeString(back.toJson("1.0.0")).contains("\"version\""));
  }

  @Test
  void v110FieldsOnlyIn110() throws CniError {
    String j = "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1450,"
        + "\"sandbox\":\"/run/netns/p\",\"socketPath\":\"/s\",\"pciID\":\"0000:00:01.0\"}],\"ips\":[{\"interface\":0,"
        + "\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\","
        + "\"mtu\":1400,\"advmss\":1360,\"priority\":10,\"table\":100,\"scope\":0}],\"dns\":{\"nameservers\":[\"10.96.0.10\"],"
        + "\"domain\":\"cluster.local\",\"search\":[\"a\",\"b\"],\"options\":[\"ndots:5\"]}}";
    Result r = Result.fromJson(Json.parse(j));
    assertEquals(j, Json.writeString(r.toJson("1.1.0")));
    assertEquals("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":"
        + "\"/run/netns/p\"}],\"ips\":[{\"interface\":0,\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"}],\"routes\":"
        + "[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}],\"dns\":{\"nameservers\":[\"10.96.0.10\"],\"domain\":\"cluster.local\","
        + "\"search\":[\"a\",\"b\"],\"options\":[\"ndots:5\"]}}", Json.writeString(r.toJson("1.0.0")));
  }

  @Test
  void emptyResultIsMinimalLikeGo() {
    Result r = new Result(null, null, null, null, null);
    assertEquals("{\"cniVersion\":\"1.1.0\",\"dns\":{}}", Json.writeString(r.toJson("1.1.0")));
  }

  @Test
  void ipv6IsCanonical() throws CniError {
    Result r = Result.fromJson(Json.parse("{\"ips\":[{\"address\":\"FD00:0:0:0:0:0:0:5/64\",\"gateway\":\"fd00:0::1\"}]}"));
    assertEquals(IpPrefix.parse("fd00::5/64"), r.ips().get(0).address());
    assertTrue(Json.writeString(r.toJson("1.0.0")).contains("\"address\":\"fd00::5/64\",\"gateway\":\"fd00::1\""));
  }

  static void assertCode(int code, String fragment, CniError e) {
    assertEquals(code, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), () -> "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    assertFalse(e.getMessage().contains("at dev.") || e.getMessage().contains("Exception"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "[]|result: expected an object", "{\"ips\":{}}|field result.ips: expected an array, got object",
      "{\"ips\":[{}]}|field result.ips[0].address: missing", "{\"ips\":[{\"address\":\"10.1.0.5\"}]}|invalid CIDR",
      "{\"ips\":[{\"address\":\"10.1.0.300/24\"}]}|invalid CIDR", "{\"ips\":[{\"address\":\"10.1.0.3/33\"}]}|invalid CIDR",
      "{\"ips\":[{\"address\":\"10.1.0.3/+4\"}]}|invalid CIDR", "{\"ips\":[{\"address\":\"example.com/24\"}]}|invalid CIDR",
      "{\"ips\":[{\"address\":\"10.1.0.3/24\",\"gateway\":\"fd00::1\"}]}|address family",
      "{\"ips\":[{\"address\":\"10.1.0.3/24\",\"version\":\"6\"}]}|does not match",
      "{\"ips\":[{\"address\":\"10.1.0.3/24\",\"interface\":-1}]}|negative",
      "{\"ips\":[{\"address\":\"10.1.0.3/24\",\"interface\":1.5}]}|expected an integer",
      "{\"ips\":[{\"address\":\"10.1.0.3/24\",\"interface\":99999999999}]}|out of range",
      "{\"routes\":[{\"gw\":\"10.0.0.1\"}]}|field result.routes[0].dst: missing",
      "{\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":\"1500\"}]}|field result.routes[0].mtu: expected a number, got string",
      "{\"interfaces\":[{\"name\":7}]}|expected a string, got number", "{\"dns\":[]}|expected an object",
      "{\"dns\":{\"nameservers\":[1]}}|field result.dns.nameservers[0]: expected a string"})
  void malformedResultsAreCode7WithThePath(String caseLine) {
    String[] p = caseLine.split("\\|");
    CniError e = assertThrows(CniError.class, () -> Result.fromJson(Json.parse(p[0])));
    assertCode(CniError.INVALID_CONFIG, p[1].replace("result: expected an object", "result: expected an object"), e);
  }
}
