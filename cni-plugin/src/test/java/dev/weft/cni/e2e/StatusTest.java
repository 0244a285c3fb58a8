package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** (7) STATUS: 0 while an ADD could get an address, 50 when the range is exhausted. */
@RootTest
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusTest {
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
  void statusFollowsFreeAddresses() {
    String host = lab.ns("host"), p1 = lab.ns("p1"), p2 = lab.ns("p2");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", "1.1.0");
    Net.range(conf).put("rangeStart", net.prefix + ".10").put("rangeEnd", net.prefix + ".11");

    HostState before = HostState.of(net);
    net.call("STATUS").config(conf).quiet();
    assertEquals(before, HostState.of(net), "STATUS on a fresh node changes nothing");

    net.add("s1", p1).config(conf).ok();
    net.call("STATUS").config(conf).quiet(); // one of two left
    net.add("s2", p2).config(conf).ok();
    net.call("STATUS").config(conf).fails(50); // none left
    net.add("s3", lab.ns("p3")).config(conf).fails(); // and indeed ADD fails
    net.del("s1", p1).config(conf).quiet();
    net.call("STATUS").config(conf).quiet(); // room again
    net.del("s2", p2).config(conf).quiet();
  }

  @Test
  void statusOfAnUntouchedNodeIsZeroWithoutDataDir() {
    String host = lab.ns("host");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("cniVersion", "1.1.0");
    net.call("STATUS").config(conf).quiet();
  }
}
