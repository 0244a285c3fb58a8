package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * (10) runtimeConfig.portMappings: a hostPort reaches the pod from another namespace, from the
 * host itself (its own address and 127.0.0.1), and from the pod itself (hairpin); DEL removes it.
 */
@RootTest
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PortMappingTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  @ParameterizedTest(name = "ipMasqBackend {0}")
  @ValueSource(strings = {"nftables", "iptables"})
  void hostPortsReachThePodFromEverywhere(String backend) {
    String host = lab.ns("host"), pod = lab.ns("pod"), other = lab.ns("other");
    Lab.Ext ext = lab.ext(host);
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("ipMasq", true);
    conf.put("ipMasqBackend", backend);
    ArrayNode pm = conf.putObject("runtimeConfig").putArray("portMappings");
    pm.addObject().put("hostPort", 18080).put("containerPort", 8080).put("protocol", "tcp");
    pm.addObject().put("hostPort", 18053).put("containerPort", 5353).put("protocol", "udp");
    pm.addObject().put("hostPort", 18090).put("containerPort", 8080).put("protocol", "tcp").put("hostIP", ext.hostAddr());

    JsonNode r = net.add("pm-" + backend, pod).config(conf).ok();
    String podIp = Obs.ip(Shape.add(r, "1.0.0", net, pod, "eth0"));
    ObjectNode plain = net.config();
    String otherIp = Obs.ip(Shape.add(net.add("pm-other", other).config(plain).ok(), "1.0.0", net, other, "eth0"));
    lab.server(pod, 8080, "echo pod-says $SOCAT_PEERADDR");
    lab.udpServer(pod, 5353, "echo udp-pod-says $SOCAT_PEERADDR");

    assertEquals(backend.equals("iptables"), Obs.iptablesSave(host).contains("18080"),
        "ipMasqBackend " + backend + ": hostPort rules " + (backend.equals("iptables") ? "" : "not ") + "in iptables-save:\n"
            + Obs.rules(host));
    List<String> failures = new ArrayList<>();
    expect(failures, "tcp from another namespace to hostIP:hostPort", Lab.tcp(ext.ns(), ext.hostAddr(), 18080), true);
    expect(failures, "udp from another namespace to hostIP:hostPort", Lab.udp(ext.ns(), ext.hostAddr(), 18053), true);
    expect(failures, "tcp to a hostIP-bound mapping on its address", Lab.tcp(ext.ns(), ext.hostAddr(), 18090), true);
    expect(failures, "tcp from the host to its own address", Lab.tcp(host, ext.hostAddr(), 18080), true);
    expect(failures, "tcp from the host to 127.0.0.1:hostPort", Lab.tcp(host, "127.0.0.1", 18080), true);
    expect(failures, "tcp from the host to the gateway address", Lab.tcp(host, net.gateway, 18080), true);
    expect(failures, "hairpin: the pod reaches its own hostPort via the host's address", Lab.tcp(pod, ext.hostAddr(), 18080), true);
    expect(failures, "hairpin: the pod reaches its own hostPort via the gateway", Lab.tcp(pod, net.gateway, 18080), true);
    expect(failures, "a neighbour pod reaches the hostPort", Lab.tcp(other, ext.hostAddr(), 18080), true);
    expect(failures, "hostIP-bound mapping is not on 127.0.0.1", Lab.tcp(host, "127.0.0.1", 18090), false);
    assertEquals(List.of(), failures, "hostPort paths (pod " + podIp + ", neighbour " + otherIp + ", host " + ext.hostAddr() + ")");

    net.del("pm-" + backend, pod).config(conf).quiet();
    assertFalse(Lab.tcp(ext.ns(), ext.hostAddr(), 18080).stdout().contains("pod-says"), "DEL removes the DNAT");
    String rules = Obs.rules(host);
    for (String port : List.of("18080", "18053", "18090"))
      assertFalse(rules.contains(port), "rule for hostPort " + port + " left after DEL:\n" + rules);
    assertFalse(Obs.mentions(rules, podIp), "rule naming " + podIp + " left after DEL:\n" + rules);
    net.del("pm-other", other).config(plain).quiet();
  }

  private static void expect(List<String> failures, String what, Exec.Out o, boolean reach) {
    boolean reached = o.stdout().contains("pod-says");
    if (reached != reach) failures.add(what + ": expected " + (reach ? "the pod's answer" : "no answer") + ", got exit "
        + o.exit() + " '" + o.stdout().strip() + "' " + o.stderr().strip());
  }
}
