package dev.weft.bench.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceModelsTest {
  @Test
  void sizeAndShape() {
    ProxyModel m = ServiceModels.shape(1000).model();
    assertEquals(1000, m.services().size());
    for (var e : m.endpoints().values()) assertEquals(10, e.size());
    assertEquals(ServiceModels.TARGET, m.services().lastKey(), "the target sorts last (last rule of iptables' walk)");
    assertEquals("10.244.1.10", m.endpointsOf(ServiceModels.TARGET).getFirst().ip().getHostAddress());
    Set<String> vips = new HashSet<>();
    m.services().values().forEach(s -> vips.add(s.clusterIps().getFirst().getHostAddress()));
    assertEquals(1000, vips.size(), "ClusterIPs are distinct");
  }

  @Test
  void tenThousandHaveDistinctAddresses() {
    ProxyModel m = ServiceModels.shape(10_000).model();
    Set<String> eps = new HashSet<>();
    m.endpoints().values().forEach(l -> l.forEach(e -> eps.add(e.ip().getHostAddress())));
    assertEquals(100_000, eps.size());
    long nodePorts = m.services().values().stream().filter(s -> s.nodePort() != 0).count();
    assertEquals(1000, nodePorts);
    m.services().values().forEach(s -> {
      if (s.nodePort() != 0 && (s.nodePort() < 30000 || s.nodePort() > 32767)) throw new AssertionError(s);
    });
  }

  @Test
  void oneChangedChangesExactlyOneServiceAndNeverTheTarget() {
    ServiceModels.Shape sh = ServiceModels.shape(1000);
    ProxyModel a = sh.model();
    for (int k : new int[] {1, 7920, 15839, 999 * 7919 + 1}) {
      ProxyModel b = sh.withOneChanged(k);
      int diff = 0;
      ServicePortName changed = null;
      for (ServicePortName id : a.services().keySet()) {
        List<Endpoint> x = a.endpointsOf(id), y = b.endpointsOf(id);
        if (!x.equals(y)) {
          diff++;
          changed = id;
        }
      }
      assertEquals(1, diff);
      assertEquals(sh.changedService(k), changed);
      assertNotEquals(ServiceModels.TARGET, changed);
      Set<String> all = new HashSet<>();
      b.endpoints().values().forEach(l -> l.forEach(e -> all.add(e.ip().getHostAddress())));
      assertEquals(10_000, all.size(), "the moved endpoint takes an unused address");
    }
  }

  @Test
  void oneServiceChangesTheTargetOnly() {
    ServiceModels.Shape sh = ServiceModels.shape(1);
    assertEquals(ServiceModels.TARGET, sh.changedService(5));
    assertNotEquals(sh.model().endpointsOf(ServiceModels.TARGET), sh.withOneChanged(5).endpointsOf(ServiceModels.TARGET));
  }
}
