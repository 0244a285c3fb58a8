package dev.weft.proxy.testing;

import static dev.weft.proxy.testing.ServiceTopology.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.kernel.testing.RootTest;
import org.junit.jupiter.api.Test;

/** The topology itself, with no proxy: every pod answers directly, from ext and across nodes. */
@RootTest
class ServiceTopologyTest {
  @Test
  void podsAnswerDirectly() {
    try (ServiceTopology t = new ServiceTopology()) {
      assertEquals("pod-a " + EXT_IP, tcp(t.ext, POD_A, 80));
      assertEquals("pod-d " + POD_A, tcp(t.pod("pod-a"), POD_D, 80));
      assertEquals("pod-b/8080 " + POD_D, tcp(t.pod("pod-d"), POD_B, 8080));
      assertEquals("pod-c " + EXT_IP, udp(t.ext, POD_C, 80, 0));
      assertEquals("pod-a/5353 " + GW1, udp(t.node, POD_A, 5353, 0));
      assertEquals(3, tcpMany(t.ext, POD_B, 80, 3).stream().filter(("pod-b " + EXT_IP)::equals).count());
    }
  }
}
