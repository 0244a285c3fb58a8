package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** (13) Any other ipam.type is run from CNI_PATH: host-local allocates, DEL releases through it. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DelegationTest {
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
  void hostLocalIsDelegatedTo() throws Exception {
    String host = lab.ns("host"), p1 = lab.ns("p1"), p2 = lab.ns("p2");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    Net.ipam(conf).put("type", "host-local");
    Net.range(conf).put("rangeStart", net.prefix + ".50");
    JsonNode r1 = net.add("dl1", p1).config(conf).ok();
    String cidr1 = Shape.add(r1, "1.0.0", net, p1, "eth0");
    assertEquals(net.prefix + ".50/24", cidr1, "host-local's first address from rangeStart");
    assertEquals(List.of(cidr1), Obs.addrs4(p1, "eth0"));
    assertEquals(Map.of(net.prefix + ".50", "dl1\r\neth0"), net.ipFiles(), "host-local's file");
    assertTrue(Files.exists(net.ipDir().resolve("last_reserved_ip.0")), "host-local's own bookkeeping: the delegate really ran");
    JsonNode r2 = net.add("dl2", p2).config(conf).ok();
    assertEquals(net.prefix + ".51/24", Shape.add(r2, "1.0.0", net, p2, "eth0"));
    assertTrue(Obs.ping(p1, Obs.ip(r2.at("/ips/0/address").asText()), 3));

    net.call("CHECK").cid("dl1").netns(p1).prevResult(conf, r1).quiet();
    net.del("dl1", p1).config(conf).quiet();
    assertEquals(Set.of(net.prefix + ".51"), net.ipFiles().keySet(), "DEL released dl1 through host-local");
    assertEquals(Set.of("lo"), Obs.linkNames(p1));
    net.del("dl2", p2).config(conf).quiet();
    assertEquals(Map.of(), net.ipFiles());
  }
}
