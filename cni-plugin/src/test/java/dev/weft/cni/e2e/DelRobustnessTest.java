package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
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

/**
 * (5) DEL where the reference leaks (plugins#810): the pod's namespace is gone, or CNI_NETNS is
 * empty. The IP must be released and no masquerade rule or set element may stay behind.
 */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DelRobustnessTest {
  private Lab lab;
  private String host, pod;
  private Net net;

  @BeforeEach
  void setUp() {
    lab = new Lab();
    host = lab.ns("host");
    pod = lab.ns("pod");
    net = lab.net(host);
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  /** ADDs cid with ipMasq on {@code backend}, checks masquerade with real traffic; returns the pod IP. */
  private String addWithWorkingMasquerade(String cid, ObjectNode conf) {
    Lab.Ext ext = lab.ext(host);
    lab.server(ext.ns(), 9000, "echo $SOCAT_PEERADDR");
    JsonNode r = net.add(cid, pod).config(conf).ok();
    String ip = Obs.ip(Shape.add(r, "1.0.0", net, pod, "eth0"));
    String rules = Obs.rules(host);
    assertTrue(Obs.mentions(rules, ip), "a masquerade rule or element for " + ip + " in the host's ruleset:\n" + rules);
    String backend = conf.path("ipMasqBackend").asText("nftables");
    assertEquals(backend.equals("iptables"), Obs.mentions(Obs.iptablesSave(host), ip),
        "ipMasqBackend " + backend + ": the masquerade is " + (backend.equals("iptables") ? "" : "not ") + "in iptables-save:\n" + rules);
    Exec.Out o = Lab.tcp(pod, ext.extAddr(), 9000);
    assertEquals(0, o.exit(), "pod reaches a server outside the host through masquerade: " + o.describe());
    assertEquals(ext.hostAddr(), o.stdout().strip(), "outside sees the host's address, not the pod's");
    return ip;
  }

  private ObjectNode masqConfig(String backend) {
    ObjectNode c = net.config();
    c.put("ipMasq", true);
    c.put("ipMasqBackend", backend);
    return c;
  }

  private void assertAllGone(String cid, String ip) {
    assertEquals(Map.of(), net.ipFiles(), "IP released");
    String rules = Obs.rules(host);
    assertFalse(Obs.mentions(rules, ip), "masquerade rule/element for " + ip + " left behind:\n" + rules);
    assertFalse(Obs.namesContainer(rules, cid), "a rule still names " + cid + ":\n" + rules);
    assertEquals(List.of(), net.weftVeths(), "host veth left behind");
  }

  @ParameterizedTest(name = "ipMasqBackend {0}")
  @ValueSource(strings = {"nftables", "iptables"})
  void delAfterPodNamespaceDeleted(String backend) {
    String cid = "gone-" + backend;
    ObjectNode conf = masqConfig(backend);
    String ip = addWithWorkingMasquerade(cid, conf);
    Sh.run("ip", "netns", "del", pod);
    net.del(cid, pod).config(conf).quiet(); // CNI_NETNS names a path that no longer exists
    assertAllGone(cid, ip);
    net.del(cid, pod).config(conf).quiet(); // and again
  }

  @ParameterizedTest(name = "ipMasqBackend {0}")
  @ValueSource(strings = {"nftables", "iptables"})
  void delWithEmptyNetns(String backend) {
    String cid = "empty-" + backend;
    ObjectNode conf = masqConfig(backend);
    String ip = addWithWorkingMasquerade(cid, conf);
    net.del(cid, pod).netnsPath("").config(conf).quiet(); // nerdctl / ctr style
    assertAllGone(cid, ip);
    assertEquals(Set.of("lo"), Obs.linkNames(pod), "removing the host veth (found by its alias) takes the pod end with it");
  }

  @Test
  void delWithoutNetnsVariableAfterPodGone() {
    ObjectNode conf = masqConfig("nftables");
    JsonNode r = net.add("nonetns", pod).config(conf).ok();
    String ip = Obs.ip(Shape.add(r, "1.0.0", net, pod, "eth0"));
    Sh.run("ip", "netns", "del", pod);
    net.del("nonetns", pod).unset("CNI_NETNS").config(conf).quiet();
    assertAllGone("nonetns", ip);
  }

  @Test
  void delOfNeverAddedContainerSucceedsAndChangesNothing() {
    ObjectNode conf = masqConfig("nftables");
    HostState before = HostState.of(net, pod);
    net.del("ghost", pod).config(conf).quiet();
    net.del("ghost", pod).netnsPath("/run/netns/wft-no-such-ns").config(conf).quiet();
    net.del("ghost", pod).netnsPath("").config(conf).quiet();
    assertEquals(before, HostState.of(net, pod), "DEL of an unknown container changed the host");
    // with a neighbour attached: DEL of a ghost leaves the neighbour alone
    JsonNode r = net.add("real", pod).config(conf).ok();
    String ip = Obs.ip(Shape.add(r, "1.0.0", net, pod, "eth0"));
    String ghostPod = lab.ns("ghost");
    net.del("ghost", ghostPod).config(conf).quiet();
    assertEquals(Set.of(ip), net.ipFiles().keySet());
    assertNotNull(net.hostVeth("real", "eth0"));
    assertTrue(Obs.mentions(Obs.rules(host), ip), "the real pod's masquerade is kept");
    assertTrue(Obs.ping(pod, net.gateway, 3));
    net.del("real", pod).config(conf).quiet();
  }
}
