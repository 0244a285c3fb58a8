package dev.weft.cni.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** (12) CHECK passes on what ADD made and fails (102) once the kernel state drifted from prevResult. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckTest {
  private Lab lab;
  private String host;
  private Net net;
  private ObjectNode conf;

  @BeforeEach
  void setUp() {
    lab = new Lab();
    host = lab.ns("host");
    net = lab.net(host);
    conf = net.config();
    conf.put("ipMasq", true);
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  private record Added(String pod, String cid, JsonNode result) {}

  private Added add(String cid) {
    String pod = lab.ns(cid);
    JsonNode r = net.add(cid, pod).config(conf).ok();
    Shape.add(r, "1.0.0", net, pod, "eth0");
    return new Added(pod, cid, r);
  }

  private Exec.Out check(Added a) {
    return net.call("CHECK").cid(a.cid).netns(a.pod).prevResult(conf, a.result).run();
  }

  @Test
  void checkPassesAfterAddInEveryCheckVersion() {
    Added a = add("ok");
    for (String v : List.of("0.4.0", "1.0.0", "1.1.0")) {
      ObjectNode c = conf.deepCopy();
      c.put("cniVersion", v);
      JsonNode prev = a.result.deepCopy();
      ((ObjectNode) prev).put("cniVersion", v);
      net.call("CHECK").cid(a.cid).netns(a.pod).prevResult(c, prev).quiet();
    }
  }

  @Test
  void checkFailsWithCode102OnDrift() {
    List<String> problems = new ArrayList<>();
    Added noAddr = add("noaddr");
    Lab.must(noAddr.pod, "ip", "addr", "del", noAddr.result.at("/ips/0/address").asText(), "dev", "eth0");
    expect102(problems, "pod address deleted", check(noAddr));

    Added noRoute = add("noroute");
    Lab.must(noRoute.pod, "ip", "route", "del", "default");
    expect102(problems, "pod default route deleted", check(noRoute));

    Added detached = add("detached");
    Lab.must(host, "ip", "link", "set", detached.result.at("/interfaces/1/name").asText(), "nomaster");
    expect102(problems, "host veth taken off the bridge", check(detached));

    Added gwGone = add("gwgone");
    Lab.must(host, "ip", "addr", "del", net.gateway + "/24", "dev", net.bridge);
    expect102(problems, "gateway address removed from the bridge", check(gwGone));
    assertEquals(List.of(), problems);
  }

  @Test
  void checkFailsWhenTheReservationIsGone() throws Exception {
    Added a = add("nofile");
    Files.delete(net.ipDir().resolve(Obs.ip(a.result.at("/ips/0/address").asText())));
    CniAssert.error(check(a));
  }

  @Test
  void checkWithoutPrevResultIsAnError() {
    Added a = add("noprev");
    net.call("CHECK").cid(a.cid).netns(a.pod).config(conf).fails();
  }

  private static void expect102(List<String> problems, String what, Exec.Out o) {
    try {
      CniAssert.error(o, 102);
    } catch (AssertionError e) {
      problems.add(what + ": " + e.getMessage());
    }
  }
}
