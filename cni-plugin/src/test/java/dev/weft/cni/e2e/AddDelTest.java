package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** (1) ADD wires a pod to the bridge as the reference does; DEL removes all of it; DEL again is fine. */
@RootTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AddDelTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  @Test
  void addWiresPodToBridgeAndDelRemovesEverything() {
    String host = lab.ns("host"), p1 = lab.ns("p1"), p2 = lab.ns("p2");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("mtu", 1400);
    Net.ipam(conf).putArray("routes").addObject().put("dst", "172.30.0.0/16");

    JsonNode r1 = net.add("c1", p1).config(conf)
        .args("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1;K8S_POD_INFRA_CONTAINER_ID=c1").ok();
    String cidr1 = Shape.add(r1, "1.0.0", net, p1, "eth0");
    String ip1 = Obs.ip(cidr1);
    assertTrue(Shape.hasRoute(r1, "0.0.0.0/0", net.gateway), "isDefaultGateway: default route in result " + r1);
    assertTrue(Shape.hasRoute(r1, "172.30.0.0/16", null) || Shape.hasRoute(r1, "172.30.0.0/16", net.gateway),
        "IPAM route in result " + r1);

    // pod side, seen by iproute2
    JsonNode eth0 = Obs.link(p1, "eth0");
    assertNotNull(eth0, "pod has eth0: " + Obs.linkNames(p1));
    Soft soft = new Soft();
    soft.yes(flags(eth0).contains("UP"), "pod eth0 up: " + eth0);
    soft.eq(1400, eth0.get("mtu").asInt(), "pod eth0 mtu");
    soft.eq(r1.at("/interfaces/2/mac").asText(), eth0.get("address").asText(), "pod mac as in the result");
    soft.eq(List.of(cidr1), Obs.addrs4(p1, "eth0"), "pod address as in the result");
    soft.eq(net.gateway, Obs.defaultGateway(p1), "pod default route via the gateway: " + Obs.routes4(p1));
    soft.yes(hasKernelRoute(p1, "172.30.0.0/16", net.gateway), "IPAM route in pod: " + Obs.routes4(p1));

    // host side
    JsonNode br = Obs.link(host, net.bridge);
    assertNotNull(br, "bridge exists: " + Obs.linkNames(host));
    soft.eq("bridge", br.at("/linkinfo/info_kind").asText(), "bridge kind");
    soft.yes(flags(br).contains("UP"), "bridge up: " + br);
    soft.eq(r1.at("/interfaces/0/mac").asText(), br.get("address").asText(), "bridge mac as in the result");
    soft.eq(List.of(net.gateway + "/24"), Obs.addrs4(host, net.bridge), "gateway address on the bridge");
    soft.eq(1400, br.get("mtu").asInt(), "bridge mtu");
    String vethName = r1.at("/interfaces/1/name").asText();
    JsonNode veth = Obs.link(host, vethName);
    assertNotNull(veth, "host veth " + vethName + " exists: " + Obs.linkNames(host));
    soft.eq(net.bridge, veth.path("master").asText(), "host veth is a bridge port");
    soft.yes(flags(veth).contains("UP"), "host veth up: " + veth);
    soft.eq(1400, veth.get("mtu").asInt(), "host veth mtu");
    soft.eq(r1.at("/interfaces/1/mac").asText(), veth.get("address").asText(), "host veth mac as in the result");
    soft.eq(net.alias("c1", "eth0"), veth.path("ifalias").asText(), "host veth alias");
    JsonNode port = Obs.bridgePort(host, vethName);
    assertNotNull(port, "bridge -j link lists the port");
    soft.yes(port.path("hairpin").asBoolean(false), "hairpin on by default: " + port);
    soft.eq("forwarding", port.path("state").asText(), "port forwarding: " + port);
    soft.eq("1", Obs.sysctl(host, "net.ipv4.ip_forward"), "isGateway turns on ip_forward");
    soft.eq(Map.of(ip1, "c1\r\neth0"), net.ipFiles(), "host-local style reservation file");

    // traffic
    JsonNode r2 = net.add("c2", p2).config(conf).ok();
    String ip2 = Obs.ip(Shape.add(r2, "1.0.0", net, p2, "eth0"));
    soft.yes(!ip1.equals(ip2), "two pods, two addresses");
    soft.yes(Obs.ping(p1, net.gateway, 3), "pod 1 pings the gateway");
    soft.yes(Obs.ping(p1, ip2, 3), "pod 1 pings pod 2 over the bridge");
    soft.yes(Obs.ping(host, ip1, 3), "host pings pod 1");

    // DEL
    net.del("c1", p1).config(conf).quiet();
    soft.eq(Set.of("lo"), Obs.linkNames(p1), "pod eth0 gone after DEL");
    soft.yes(Obs.link(host, vethName) == null, "host veth gone after DEL");
    soft.yes(net.hostVeth("c1", "eth0") == null, "no link with c1's alias");
    soft.eq(Map.of(ip2, "c2\r\neth0"), net.ipFiles(), "c1's reservation released, c2's kept");
    soft.yes(Obs.ping(p2, net.gateway, 3), "pod 2 unaffected by pod 1's DEL");

    // DEL again: still success
    net.del("c1", p1).config(conf).quiet();
    net.del("c2", p2).config(conf).quiet();
    soft.eq(Map.of(), net.ipFiles(), "no reservation left");
    soft.eq(List.of(), net.weftVeths(), "no weft veth left");
    soft.eq(Set.of("lo"), Obs.linkNames(p2), "pod 2 emptied");
    soft.done("ADD result " + r1);
  }

  /**
   * A config the plain JSON reader leaves to jackson (a fraction, an exponent, a surrogate pair as
   * escapes): weft-cni loads jackson from lib/cni/json-fallback.jar, off its class path, and the ADD
   * and DEL work as with any config.
   */
  @Test
  void configBeyondThePlainReaderIsReadByJacksonFromItsSideJar() {
    String host = lab.ns("host"), p1 = lab.ns("p1");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    String text = conf.toString();
    text = text.substring(0, text.length() - 1) + ",\"x-note\":{\"ratio\":0.5,\"big\":1e3,\"face\":\"\\ud83d\\ude00\"}}";
    JsonNode r = net.add("c1", p1).raw(text).ok();
    Shape.add(r, "1.0.0", net, p1, "eth0");
    assertTrue(Obs.ping(p1, net.gateway, 3), "pod pings the gateway");
    net.del("c1", p1).raw(text).quiet();
    assertEquals(Map.of(), net.ipFiles());
    assertEquals(List.of(), net.weftVeths());
  }

  @Test
  void defaultsAndPromiscWithoutHairpin() {
    String host = lab.ns("host"), p1 = lab.ns("p1");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("hairpinMode", false);
    conf.put("promiscMode", true);
    conf.put("isDefaultGateway", false);
    JsonNode r = net.add("c1", p1).config(conf).ok();
    Shape.add(r, "1.0.0", net, p1, "eth0");
    assertFalse(Shape.hasRoute(r, "0.0.0.0/0", net.gateway), "no default route without isDefaultGateway: " + r);
    assertNull(Obs.defaultGateway(p1), "no default route in pod: " + Obs.routes4(p1));
    String veth = r.at("/interfaces/1/name").asText();
    assertFalse(Obs.bridgePort(host, veth).path("hairpin").asBoolean(true), "hairpinMode false: " + Obs.bridgePort(host, veth));
    assertTrue(flags(Obs.link(host, net.bridge)).contains("PROMISC") || Obs.link(host, net.bridge).path("promiscuity").asInt() > 0,
        "promiscMode: bridge promiscuous: " + Obs.link(host, net.bridge));
    assertEquals(1500, Obs.link(p1, "eth0").get("mtu").asInt(), "default mtu 1500");
    assertTrue(Obs.ping(p1, net.gateway, 3), "pod pings the gateway");
    net.del("c1", p1).config(conf).quiet();
    assertEquals(Map.of(), net.ipFiles());
    assertEquals(List.of(), net.weftVeths());
  }

  @Test
  void bridgeMacStaysPutWhilePodsComeAndGo() {
    String host = lab.ns("host");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    Map<String, String> podByVethMac = new java.util.LinkedHashMap<>(); // host veth MAC -> pod
    Map<String, String> cidByPod = new java.util.HashMap<>();
    for (int i = 0; i < 4; i++) {
      String pod = lab.ns("m" + i);
      JsonNode r = net.add("mac" + i, pod).config(conf).ok();
      podByVethMac.put(Obs.link(host, r.at("/interfaces/1/name").asText()).get("address").asText(), pod);
      cidByPod.put(pod, "mac" + i);
    }
    Soft soft = new Soft();
    for (int round = 0; round < 2; round++) {
      String mac = Obs.link(host, net.bridge).get("address").asText();
      // the worst case for a bridge without a MAC of its own: remove the port whose MAC it borrowed
      String victim = podByVethMac.getOrDefault(mac, podByVethMac.values().iterator().next());
      podByVethMac.values().remove(victim);
      String neighbour = podByVethMac.values().iterator().next();
      soft.yes(Obs.ping(neighbour, net.gateway, 3), "neighbour reaches the gateway before round " + round);
      net.del(cidByPod.get(victim), victim).config(conf).quiet();
      soft.eq(mac, Obs.link(host, net.bridge).get("address").asText(), "bridge (gateway) MAC after the DEL of the pod whose host veth"
          + (podByVethMac.containsKey(mac) ? "" : " lent the bridge its MAC") + " (round " + round + ")");
      soft.yes(Obs.ping(neighbour, net.gateway, 1), "a neighbour pod reaches the gateway within 1 s of the DEL (round " + round
          + "): its ARP entry for the gateway went stale");
    }
    for (String pod : podByVethMac.values()) net.del(cidByPod.get(pod), pod).config(conf).quiet();
    soft.done("a Linux bridge without an explicitly set MAC takes its lowest port's MAC; the reference sets one (addr_assign_type 3)");
  }

  @Test
  void unreachableAgentSocketFallsBackToTheJvmPlugin() throws Exception {
    String host = lab.ns("host"), p1 = lab.ns("p1");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    java.nio.file.Path notListening = lab.file("agent.sock");
    java.nio.file.Files.writeString(notListening, ""); // exists, but nobody accepts connections on it
    for (String socket : List.of(lab.file("no-agent.sock").toString(), notListening.toString())) {
      conf.put("agentSocket", socket);
      JsonNode r = net.add("fb", p1).config(conf).ok();
      assertEquals(List.of(Shape.add(r, "1.0.0", net, p1, "eth0")), Obs.addrs4(p1, "eth0"), "agentSocket " + socket);
      net.del("fb", p1).config(conf).quiet();
      assertEquals(Map.of(), net.ipFiles());
      assertEquals(Set.of("lo"), Obs.linkNames(p1));
    }
  }

  @Test
  void dnsFromTheConfigIsInTheResult() {
    String host = lab.ns("host"), p1 = lab.ns("p1");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    ObjectNode dns = conf.putObject("dns");
    dns.putArray("nameservers").add("10.0.0.10");
    dns.putArray("search").add("svc.cluster.local");
    JsonNode r = net.add("c1", p1).config(conf).ok();
    assertEquals(dns, r.path("dns"), "the reference bridge returns the config's dns in its result: " + r);
    net.del("c1", p1).config(conf).quiet();
  }

  static List<String> flags(JsonNode link) {
    List<String> f = new java.util.ArrayList<>();
    link.path("flags").forEach(x -> f.add(x.asText()));
    return f;
  }

  static boolean hasKernelRoute(String ns, String dst, String gw) {
    for (JsonNode r : Obs.routes4(ns)) if (dst.equals(r.path("dst").asText()) && gw.equals(r.path("gateway").asText())) return true;
    return false;
  }
}
