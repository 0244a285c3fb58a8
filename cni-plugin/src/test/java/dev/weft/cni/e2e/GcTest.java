package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
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

/** (6) GC removes every attachment not in cni.dev/valid-attachments and leaves the valid ones working. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GcTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  /** The GC config libcni sends: the network config at 1.1.0 plus both attachment keys. */
  static ObjectNode gcConfig(ObjectNode conf, String... keepCids) {
    ObjectNode c = conf.deepCopy();
    c.put("cniVersion", "1.1.0");
    ArrayNode valid = c.putArray("cni.dev/valid-attachments");
    ArrayNode old = c.putArray("cni.dev/attachments");
    for (String cid : keepCids) {
      valid.addObject().put("containerID", cid).put("ifname", "eth0");
      old.addObject().put("containerID", cid).put("ifname", "eth0");
    }
    return c;
  }

  @ParameterizedTest(name = "ipMasqBackend {0}")
  @ValueSource(strings = {"nftables", "iptables"})
  void gcKeepsOnlyValidAttachments(String backend) {
    String host = lab.ns("host");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", "1.1.0");
    conf.put("ipMasq", true);
    conf.put("ipMasqBackend", backend);
    conf.putObject("runtimeConfig").putArray("portMappings").addObject()
        .put("hostPort", 18181).put("containerPort", 80).put("protocol", "tcp");
    List<String> pods = new ArrayList<>(), ips = new ArrayList<>(), cids = List.of("gc-keep", "gc-drop1", "gc-drop2");
    for (int i = 0; i < 3; i++) {
      String pod = lab.ns("p" + i);
      pods.add(pod);
      ObjectNode c = conf.deepCopy();
      if (i > 0) c.remove("runtimeConfig"); // one hostPort only, on the kept pod
      JsonNode r = net.add(cids.get(i), pod).config(c).ok();
      ips.add(Obs.ip(Shape.add(r, "1.1.0", net, pod, "eth0")));
    }
    String rules = Obs.rules(host);
    for (String ip : ips) assertTrue(Obs.mentions(rules, ip), "masquerade for " + ip + " before GC:\n" + rules);
    assertEquals(3, net.weftVeths().size());

    net.call("GC").config(gcConfig(conf, "gc-keep")).quiet();

    assertEquals(Set.of(ips.get(0)), net.ipFiles().keySet(), "only the valid attachment keeps its reservation");
    assertEquals("gc-keep\r\neth0", net.ipFiles().get(ips.get(0)));
    rules = Obs.rules(host);
    for (int i = 1; i < 3; i++) {
      assertFalse(Obs.mentions(rules, ips.get(i)), "NAT for collected " + ips.get(i) + " left:\n" + rules);
      assertFalse(rules.contains(cids.get(i)), "a rule still names " + cids.get(i) + ":\n" + rules);
      assertNull(net.hostVeth(cids.get(i), "eth0"), "host veth of " + cids.get(i) + " left");
    }
    assertTrue(Obs.mentions(rules, ips.get(0)), "the kept pod's NAT stays:\n" + rules);
    assertTrue(rules.contains("18181"), "the kept pod's hostPort stays:\n" + rules);
    assertNotNull(net.hostVeth("gc-keep", "eth0"), "the kept pod's veth stays");
    assertEquals(List.of(ips.get(0) + "/24"), Obs.addrs4(pods.get(0), "eth0"));
    assertTrue(Obs.ping(pods.get(0), net.gateway, 3), "the kept pod still works after GC");
    assertTrue(Obs.ping(host, ips.get(0), 3), "the host still reaches the kept pod");

    // GC again is a no-op; GC with nothing valid removes the rest
    net.call("GC").config(gcConfig(conf, "gc-keep")).quiet();
    assertEquals(Set.of(ips.get(0)), net.ipFiles().keySet());
    net.call("GC").config(gcConfig(conf)).quiet();
    assertEquals(Map.of(), net.ipFiles());
    assertEquals(List.of(), net.weftVeths());
    rules = Obs.rules(host);
    assertEquals(Set.of(), Obs.podAddressesIn(rules, net.prefix, net.gateway), "no pod address in rules:\n" + rules);
    assertFalse(rules.contains("18181"), "no hostPort rule:\n" + rules);
  }

  @Test
  void gcLeavesOtherNetworksAlone() {
    String host = lab.ns("host");
    Net a = lab.net(host), b = lab.net(host);
    String pa = lab.ns("pa"), pb = lab.ns("pb");
    ObjectNode ca = a.config(), cb = b.config();
    ca.put("ipMasq", true);
    cb.put("ipMasq", true);
    String ipb = Obs.ip(Shape.add(b.add("other-net", pb).config(cb).ok(), "1.0.0", b, pb, "eth0"));
    a.add("mine", pa).config(ca).ok();
    a.call("GC").config(gcConfig(ca)).quiet();
    assertEquals(Map.of(), a.ipFiles(), "network a collected");
    assertEquals(Set.of(ipb), b.ipFiles().keySet(), "GC of network a must not touch network b's reservations");
    assertNotNull(b.hostVeth("other-net", "eth0"), "GC of network a must not touch network b's veths");
    assertTrue(Obs.mentions(Obs.rules(host), ipb), "GC of network a must not touch network b's NAT");
    assertTrue(Obs.ping(pb, b.gateway, 3));
  }
}
