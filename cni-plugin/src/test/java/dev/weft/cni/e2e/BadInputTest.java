package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * (3) Bad input is refused with the right code, one JSON error object on stdout, no stack trace,
 * and leaves the host exactly as it was: no bridge, no reservation, no rule, no pod interface.
 */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  /** One bad ADD: how to make the call from a fresh net and pod, and the acceptable codes. */
  record Bad(BiFunction<Net, String, Call> call, int... codes) {}

  static Arguments bad(String name, BiFunction<Net, String, Call> call, int... codes) {
    return Arguments.of(Named.of(name, new Bad(call, codes)));
  }

  /** ADD of c1 into the pod with the config changed by {@code edit}. */
  static BiFunction<Net, String, Call> conf(Consumer<ObjectNode> edit) {
    return (net, pod) -> {
      ObjectNode c = net.config();
      c.put("ipMasq", true);
      edit.accept(c);
      return net.add("c1", pod).config(c);
    };
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        bad("malformed JSON", (n, p) -> n.add("c1", p).raw("{\"cniVersion\":\"1.0.0\",\"name\":"), 6),
        bad("not JSON", (n, p) -> n.add("c1", p).raw("bridge please"), 6),
        bad("JSON array instead of object", (n, p) -> n.add("c1", p).raw("[1,2]"), 6, 7),
        bad("empty stdin", (n, p) -> n.add("c1", p).raw(""), 6, 7),
        bad("missing name", conf(c -> c.remove("name")), 7),
        bad("name with a path in it", conf(c -> c.put("name", "../escape")), 7),
        bad("missing ipam", conf(c -> c.remove("ipam")), 7),
        bad("mtu is a string", conf(c -> c.put("mtu", "x")), 6, 7),
        bad("isGateway is a string", conf(c -> c.put("isGateway", "yes")), 6, 7),
        bad("bridge is a number", conf(c -> c.put("bridge", 42)), 6, 7),
        bad("bridge name too long", conf(c -> c.put("bridge", "abcdefghijklmnopq")), 7),
        bad("hairpinMode and promiscMode", conf(c -> c.put("hairpinMode", true).put("promiscMode", true)), 7),
        bad("unknown ipMasqBackend", conf(c -> c.put("ipMasqBackend", "pf")), 7),
        bad("vlan out of range", conf(c -> c.put("vlan", 5000)), 7),
        bad("mtu out of range", conf(c -> c.put("mtu", 100000)), 7),
        bad("subnet with octet 300", conf(c -> Net.range(c).put("subnet", "10.1.300.0/24")), 7),
        bad("subnet not an address", conf(c -> Net.range(c).put("subnet", "banana")), 7),
        bad("rangeStart outside subnet", conf(c -> Net.range(c).put("rangeStart", "192.0.2.10")), 7),
        bad("empty ranges", conf(c -> Net.ipam(c).putArray("ranges")), 7),
        bad("runtimeConfig.mac not a MAC", conf(c -> c.putObject("runtimeConfig").put("mac", "not-a-mac")), 7),
        bad("hostPort out of range", conf(c -> c.putObject("runtimeConfig").putArray("portMappings").addObject()
            .put("hostPort", 70000).put("containerPort", 80).put("protocol", "tcp")), 7),
        bad("missing CNI_COMMAND", (n, p) -> n.add("c1", p).unset("CNI_COMMAND"), 4),
        bad("unknown CNI_COMMAND", (n, p) -> n.add("c1", p).env("CNI_COMMAND", "FROB"), 4),
        bad("missing CNI_CONTAINERID", (n, p) -> n.add("c1", p).unset("CNI_CONTAINERID"), 4),
        bad("missing CNI_NETNS", (n, p) -> n.add("c1", p).unset("CNI_NETNS"), 4),
        bad("missing CNI_IFNAME", (n, p) -> n.add("c1", p).unset("CNI_IFNAME"), 4),
        bad("netns does not exist", (n, p) -> n.add("c1", p).netnsPath("/run/netns/wft-no-such-ns"), 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusedWithoutChangingAnything(Bad bad) {
    String host = lab.ns("host"), pod = lab.ns("pod");
    Net net = lab.net(host);
    HostState before = HostState.of(net, pod);
    JsonNode err = bad.call().apply(net, pod).fails(bad.codes());
    assertEquals(before, HostState.of(net, pod), "the refused ADD changed the host or pod (error was " + err + ")");
    assertFalse(Files.exists(net.dataDir.resolveSibling("escape")), "nothing written outside the data dir");
  }

  @Test
  void interfaceAlreadyInPodIsCode4AndKeepsIt() {
    String host = lab.ns("host"), pod = lab.ns("pod");
    Net net = lab.net(host);
    Lab.must(pod, "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0peer");
    Lab.must(pod, "ip", "addr", "add", "192.0.2.7/24", "dev", "eth0");
    ObjectNode c = net.config();
    c.put("ipMasq", true);
    HostState before = HostState.of(net, pod);
    JsonNode err = net.add("c1", pod).config(c).fails(4);
    assertEquals(before, HostState.of(net, pod), "ADD onto an existing eth0 changed something (error was " + err + ")");
  }
}
