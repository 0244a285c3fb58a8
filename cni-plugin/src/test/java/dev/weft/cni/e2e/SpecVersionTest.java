package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** (2) Every spec version: result shape, version negotiation, verbs a version doesn't have. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpecVersionTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  @ParameterizedTest(name = "cniVersion {0}")
  @ValueSource(strings = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"})
  void addCheckDelInEachVersion(String version) {
    String host = lab.ns("host"), pod = lab.ns("pod");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", version);
    JsonNode r = net.add("c1", pod).config(conf).ok();
    String cidr = Shape.add(r, version, net, pod, "eth0");
    assertEquals(List.of(cidr), Obs.addrs4(pod, "eth0"), "pod address (" + version + ")");
    assertTrue(Shape.hasRoute(r, "0.0.0.0/0", net.gateway), "default route in " + version + " result: " + r);

    if (Shape.before(version, "0.4.0")) {
      net.call("CHECK").cid("c1").netns(pod).prevResult(conf, r).fails();
    } else {
      net.call("CHECK").cid("c1").netns(pod).prevResult(conf, r).quiet();
    }
    if (Shape.before(version, "0.4.0")) net.del("c1", pod).config(conf).quiet();
    else net.del("c1", pod).prevResult(conf, r).quiet(); // libcni sends the cached result from 0.4.0 on
    assertEquals(Set.of("lo"), Obs.linkNames(pod));
    assertEquals(Map.of(), net.ipFiles());
    assertEquals(List.of(), net.weftVeths());
  }

  @Test
  void cniVersionsNegotiatesHighestCommon() {
    String host = lab.ns("host");
    Net net = lab.net(host);
    record Case(String cniVersion, List<String> cniVersions, String expected) {}
    List<Case> cases = List.of(
        new Case("0.4.0", List.of("0.4.0", "1.0.0", "1.1.0"), "1.1.0"),
        new Case("1.0.0", List.of("0.3.1", "1.0.0", "42.0.0"), "1.0.0"),
        new Case("0.3.1", List.of("0.3.1", "7.1.0"), "0.3.1"),
        new Case("1.1.0", List.of("1.0.0"), "1.1.0"),
        new Case("7.0.0", List.of("0.4.0", "7.0.0"), "0.4.0"));
    List<String> failures = new ArrayList<>();
    int i = 0;
    for (Case c : cases) {
      String pod = lab.ns("n" + i);
      String cid = "neg" + i++;
      ObjectNode conf = net.config();
      conf.put("cniVersion", c.cniVersion);
      ArrayNode vs = conf.putArray("cniVersions");
      c.cniVersions.forEach(vs::add);
      Exec.Out o = net.add(cid, pod).config(conf).run();
      String got = o.exit() == 0 ? CniAssert.success(o).path("cniVersion").asText() : "error " + o.stdout().strip();
      if (!c.expected.equals(got)) failures.add(c + " -> " + got);
      net.del(cid, pod).config(conf).run();
    }
    assertEquals(List.of(), failures, "highest version both sides support must win");
    assertEquals(Map.of(), net.ipFiles());
  }

  @ParameterizedTest(name = "cniVersion {0} is refused with code 1")
  @ValueSource(strings = {"0.1.0", "0.2.0", "2.0.0", "1.2.0"})
  void unsupportedVersionIsCode1AndChangesNothing(String version) {
    String host = lab.ns("host"), pod = lab.ns("pod");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", version);
    HostState before = HostState.of(net, pod);
    JsonNode e = net.add("c1", pod).config(conf).fails(1);
    assertEquals(before, HostState.of(net, pod), "refused ADD changed the host: " + e);
  }

  @Test
  void versionListsSupportedVersions() {
    String host = lab.ns("host");
    Net net = lab.net(host);
    for (String bin : List.of("weft-cni", "weft-ipam")) {
      JsonNode v = new Call(lab, host, "VERSION").binary(bin).raw("{\"cniVersion\":\"1.1.0\"}").ok();
      List<String> supported = new ArrayList<>();
      v.path("supportedVersions").forEach(x -> supported.add(x.asText()));
      assertTrue(supported.containsAll(Shape.VERSIONS), bin + " VERSION lists " + Shape.VERSIONS + ": " + v);
      assertTrue(v.path("cniVersion").isTextual(), bin + " VERSION has cniVersion: " + v);
    }
    // a runtime probing VERSION may send an old config or none at all
    new Call(lab, host, "VERSION").raw("{\"cniVersion\":\"0.3.1\"}").ok();
    new Call(lab, host, "VERSION").raw("").ok();
    assertEquals(Set.of("lo"), Obs.linkNames(net.host), "VERSION touches nothing");
  }

  @ParameterizedTest(name = "STATUS and GC need 1.1.0, refused at {0}")
  @ValueSource(strings = {"0.3.1", "0.4.0", "1.0.0"})
  void statusAndGcRefusedBefore110(String version) {
    String host = lab.ns("host");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", version);
    HostState before = HostState.of(net);
    net.call("STATUS").config(conf).fails();
    ObjectNode gc = conf.deepCopy();
    gc.putArray("cni.dev/valid-attachments");
    net.call("GC").config(gc).fails();
    assertEquals(before, HostState.of(net));
  }
}
