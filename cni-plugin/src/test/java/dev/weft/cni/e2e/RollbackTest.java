package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * (4) An ADD that fails half-way (after IPAM, after the veth, after NAT) undoes what it did: no
 * veth, no reservation, no NAT rule, no pod interface. The bridge may stay (the reference never
 * deletes it either).
 */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RollbackTest {
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

  /** ipMasq and a port mapping, so a half-done ADD has NAT state to leak too. */
  private ObjectNode fullConfig() {
    ObjectNode c = net.config();
    c.put("ipMasq", true);
    c.putObject("runtimeConfig").putArray("portMappings").addObject()
        .put("hostPort", 18080).put("containerPort", 80).put("protocol", "tcp");
    return c;
  }

  /** The host ns has nothing of container {@code cid}: only {@code allowedLinks} (+lo, bridge), no file, no rule. */
  private void assertNothingOf(String cid, JsonNode err, Set<String> keepFiles, Set<String> allowedLinks) {
    Soft soft = new Soft();
    Set<String> links = new TreeSet<>(Obs.linkNames(host));
    links.remove("lo");
    links.remove(net.bridge);
    links.removeAll(allowedLinks);
    soft.eq(Set.of(), links, "links left in the host");
    soft.eq(Set.of("lo"), Obs.linkNames(pod), "links left in the pod");
    soft.eq(keepFiles, net.ipFiles().keySet(), "reservations");
    String rules = Obs.rules(host);
    soft.yes(!Obs.namesContainer(rules, cid), "a rule still names " + cid);
    Set<String> named = Obs.podAddressesIn(rules, net.prefix, net.gateway);
    named.removeAll(keepFiles);
    soft.eq(Set.of(), named, "rules still name pod addresses");
    soft.yes(!rules.contains("18080"), "a hostPort rule is left");
    soft.done("after the failed ADD of " + cid + " (error " + err + "); host rules:\n" + rules);
  }

  /** A bridge made beforehand with another IPv4 address; isGateway without forceAddress must fail. */
  private void bridgeWithForeignAddress() {
    Lab.must(host, "ip", "link", "add", net.bridge, "type", "bridge");
    Lab.must(host, "ip", "addr", "add", "192.168.250.1/24", "dev", net.bridge);
    Lab.must(host, "ip", "link", "set", net.bridge, "up");
  }

  @ParameterizedTest(name = "ipMasqBackend {0}")
  @ValueSource(strings = {"nftables", "iptables"})
  void bridgeAddressConflictRollsBack(String backend) {
    bridgeWithForeignAddress();
    ObjectNode c = fullConfig();
    c.put("ipMasqBackend", backend);
    c.put("forceAddress", false);
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
    assertEquals(List.of("192.168.250.1/24"), Obs.addrs4(host, net.bridge), "the bridge keeps its own address");
    // the same ADD with forceAddress works afterwards: nothing half-done is in the way
    c.put("forceAddress", true);
    JsonNode r = net.add("c1", pod).config(c).ok();
    Shape.add(r, "1.0.0", net, pod, "eth0");
    net.del("c1", pod).config(c).quiet();
  }

  @Test
  void delegatedHostLocalIsReleasedOnFailure() {
    bridgeWithForeignAddress();
    ObjectNode c = fullConfig();
    Net.ipam(c).put("type", "host-local");
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
  }

  @Test
  void delegatedIpamGetsDelWhenAddFailsLater() {
    bridgeWithForeignAddress();
    Path log = lab.file("fake-ipam.log");
    lab.plugin("fake-ipam", fakeIpam(log, false));
    ObjectNode c = fullConfig();
    Net.ipam(c).put("type", "fake-ipam");
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
    String calls = Exec.read(log);
    assertTrue(calls.contains("ADD c1"), "fake IPAM was asked for an address: " + calls);
    assertTrue(calls.contains("DEL c1"), "the address fake IPAM handed out must be given back (IPAM DEL) when ADD fails later; calls: " + calls);
  }

  @Test
  void failingDelegatedIpamLeavesNothing() {
    Path log = lab.file("fake-ipam.log");
    lab.plugin("fake-ipam", fakeIpam(log, true));
    ObjectNode c = fullConfig();
    Net.ipam(c).put("type", "fake-ipam");
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertTrue(err.path("msg").asText().contains("fake ipam says no") || err.path("details").asText().contains("fake ipam says no")
        || err.path("code").asInt() == 11, "the IPAM plugin's error is passed on: " + err);
    assertNothingOf("c1", err, Set.of(), Set.of());
  }

  @Test
  void unknownIpamTypeLeavesNothing() {
    ObjectNode c = fullConfig();
    Net.ipam(c).put("type", "no-such-ipam");
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
  }

  @Test
  void exhaustedRangeLeavesNothingAndKeepsTheOtherPod() {
    String other = lab.ns("other");
    ObjectNode c = fullConfig();
    Net.range(c).put("rangeStart", net.prefix + ".10").put("rangeEnd", net.prefix + ".10");
    ObjectNode c0 = c.deepCopy();
    c0.remove("runtimeConfig");
    JsonNode r0 = net.add("c0", other).config(c0).ok();
    String ip0 = Obs.ip(Shape.add(r0, "1.0.0", net, other, "eth0"));
    assertEquals(net.prefix + ".10", ip0);
    String veth0 = r0.at("/interfaces/1/name").asText();
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(ip0), Set.of(veth0));
    assertNotNull(net.hostVeth("c0", "eth0"), "the other pod keeps its veth");
    assertTrue(Obs.ping(other, net.gateway, 3), "the other pod still works");
    net.del("c0", other).config(c0).quiet();
  }

  @Test
  void requestedIpAlreadyTakenLeavesNothing() {
    String other = lab.ns("other");
    ObjectNode c0 = net.config();
    c0.put("ipMasq", true);
    c0.putObject("runtimeConfig").putArray("ips").add(net.prefix + ".5/24");
    JsonNode r0 = net.add("c0", other).config(c0).ok();
    assertEquals(net.prefix + ".5/24", Shape.add(r0, "1.0.0", net, other, "eth0"), "runtimeConfig.ips honoured");
    assertEquals(List.of(net.prefix + ".5/24"), Obs.addrs4(other, "eth0"));
    ObjectNode c = fullConfig();
    ((ObjectNode) c.get("runtimeConfig")).putArray("ips").add(net.prefix + ".5/24");
    JsonNode err = net.add("c1", pod).config(c).fails();
    assertNothingOf("c1", err, Set.of(net.prefix + ".5"), Set.of(r0.at("/interfaces/1/name").asText()));
    assertEquals(Map.of(net.prefix + ".5", "c0\r\neth0"), net.ipFiles(), "c0 keeps its address");
    net.del("c0", other).config(c0).quiet();
  }

  @Test
  void ifnameTooLongLeavesNothing() {
    JsonNode err = net.add("c1", pod).ifname("eth0123456789abcd").config(fullConfig()).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
  }

  @Test
  void netnsPathNotANamespaceLeavesNothing() throws Exception {
    Path notNs = lab.file("not-a-netns");
    Files.writeString(notNs, "x");
    JsonNode err = net.add("c1", pod).netnsPath(notNs.toString()).config(fullConfig()).fails();
    assertNothingOf("c1", err, Set.of(), Set.of());
  }

  /** An IPAM plugin that logs each call and hands out .77 (or refuses with code 11). */
  private String fakeIpam(Path log, boolean fail) {
    String result = "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"" + net.prefix + ".77/24\",\"gateway\":\"" + net.gateway + "\"}]}";
    return "#!/bin/sh\n"
        + "cat >/dev/null\n"
        + "echo \"$CNI_COMMAND $CNI_CONTAINERID\" >> " + log + "\n"
        + "case \"$CNI_COMMAND\" in\n"
        + "ADD) " + (fail
            ? "echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"fake ipam says no\"}'; exit 1;;\n"
            : "echo '" + result + "';;\n")
        + "VERSION) echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}';;\n"
        + "esac\n"
        + "exit 0\n";
  }
}
