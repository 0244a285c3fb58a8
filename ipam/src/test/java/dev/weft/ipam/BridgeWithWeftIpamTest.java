package dev.weft.ipam;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.cni.protocol.Json;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft-ipam as the IPAM plugin of the reference bridge, inside throw-away namespaces. */
@RootTest
class BridgeWithWeftIpamTest {
  static final Path BRIDGE = Path.of("/usr/lib/cni/bridge");
  @TempDir Path tmp;

  @Test
  void bridgeGetsTheAddressWeftIpamChose() throws Exception {
    Path launcher = DistLauncher.require();
    assumeTrue(Files.isExecutable(BRIDGE), "the reference bridge is not installed");
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("weft-ipam"), launcher);
    Files.createSymbolicLink(bin.resolve("bridge"), BRIDGE);
    try (TestNetns ns = new TestNetns()) {
      String host = ns.create("host"), pod = ns.create("pod");
      // pre-reserve .2 so the choice is visibly weft-ipam's
      Path netDir = Files.createDirectories(tmp.resolve("data/wftnet"));
      Files.writeString(netDir.resolve("10.99.0.2"), "someone\r\neth0");
      String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"wftnet\",\"type\":\"bridge\",\"bridge\":\"wftbr0\",\"isGateway\":true,"
          + "\"ipam\":{\"type\":\"weft-ipam\",\"dataDir\":\"" + tmp.resolve("data") + "\",\"ranges\":[[{\"subnet\":\"10.99.0.0/24\"}]],"
          + "\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}";
      Sh.Result add = bridge(host, pod, "ADD", conf, bin).orThrow("bridge ADD with weft-ipam");
      Map<?, ?> result = (Map<?, ?>) Json.parse(add.out());
      assertEquals("10.99.0.3/24", ((Map<?, ?>) ((List<?>) result.get("ips")).get(0)).get("address"), add.out());
      assertEquals("pod1\r\neth0", Files.readString(netDir.resolve("10.99.0.3")));
      JsonNode addrs = Sh.ip(pod, "addr", "show", "dev", "eth0");
      boolean found = false;
      for (JsonNode a : addrs.get(0).get("addr_info")) found |= a.get("local").asText().equals("10.99.0.3") && a.get("prefixlen").asInt() == 24;
      assertTrue(found, "eth0 in the pod has 10.99.0.3/24: " + addrs);
      assertTrue(Sh.run("ip", "-n", pod, "route", "show", "default").contains("via 10.99.0.1"));
      bridge(host, pod, "DEL", conf, bin).orThrow("bridge DEL with weft-ipam");
      assertFalse(Files.exists(netDir.resolve("10.99.0.3")));
      assertTrue(Files.exists(netDir.resolve("10.99.0.2")));
      bridge(host, pod, "DEL", conf, bin).orThrow("second DEL");
    }
  }

  static Sh.Result bridge(String host, String pod, String cmd, String conf, Path bin) {
    return Sh.exec(Map.of("CNI_COMMAND", cmd, "CNI_CONTAINERID", "pod1", "CNI_NETNS", TestNetns.path(pod).toString(), "CNI_IFNAME", "eth0",
        "CNI_PATH", bin.toString()), conf.getBytes(StandardCharsets.UTF_8), List.of("ip", "netns", "exec", host, BRIDGE.toString()));
  }
}
