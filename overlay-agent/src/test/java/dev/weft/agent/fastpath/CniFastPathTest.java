package dev.weft.agent.fastpath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C {@code weft-cni} against a real fast-path server: requests go through the agent's socket
 * when it is there (the server counts them), fall back to the JVM plugin when it is not, and the
 * answers (results and errors) are the same either way. Observed with {@code ip -j}.
 */
@RootTest
@Timeout(120)
class CniFastPathTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final TestNetns netns = new TestNetns();
  @TempDir Path tmp;
  Path dist;
  String host;
  CniFastPath server;
  Path socket;

  @BeforeEach
  void setUp() throws Exception {
    dist = Path.of(System.getProperty("weft.dist", "dist"));
    assumeTrue(Files.isExecutable(dist.resolve("bin/weft-cni")) && Files.isExecutable(dist.resolve("bin/weft-cni-jvm")),
        "needs make build (dist/bin/weft-cni and weft-cni-jvm)");
    host = netns.create("host");
    socket = tmp.resolve("agent/cni.sock");
    server = new CniFastPath(socket, TestNetns.path(host), msg -> {});
    server.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) server.close();
    netns.close();
  }

  String config(String extra) {
    return """
        {"cniVersion":"1.1.0","name":"fp","type":"weft-cni","bridge":"wftfp0","isDefaultGateway":true,
         "agentSocket":"%s","logFile":"%s"%s,
         "ipam":{"type":"weft-ipam","dataDir":"%s","ranges":[[{"subnet":"10.77.0.0/24"}]]}}"""
        .formatted(socket, tmp.resolve("cni.log"), extra, tmp.resolve("ipam"));
  }

  Sh.Result cni(String command, String pod, String conf) {
    Map<String, String> env = Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "c-" + pod,
        "CNI_NETNS", pod == null ? "" : TestNetns.path(pod).toString(), "CNI_IFNAME", "eth0", "CNI_PATH", dist.resolve("bin").toString());
    return Sh.exec(env, conf.getBytes(StandardCharsets.UTF_8),
        List.of("ip", "netns", "exec", host, dist.resolve("bin/weft-cni").toString()));
  }

  @Test
  void addAndDelGoThroughTheAgentAndMatchTheJvmPlugin() throws Exception {
    String pod = netns.create("p1");
    Sh.Result add = cni("ADD", pod, config(""));
    assertEquals(0, add.exit(), add.out() + add.err());
    assertEquals(1, server.served(), "ADD went through the agent socket");
    JsonNode result = JSON.readTree(add.out());
    String ip = result.at("/ips/0/address").asText();
    assertTrue(ip.startsWith("10.77.0."), add.out());
    JsonNode addrs = Sh.ip(pod, "addr", "show", "eth0");
    assertEquals(ip.substring(0, ip.indexOf('/')), addrs.at("/0/addr_info/0/local").asText());

    Sh.Result del = cni("DEL", pod, config(""));
    assertEquals(0, del.exit(), del.out() + del.err());
    assertEquals(2, server.served());
    assertEquals(0, Sh.ip(pod, "link", "show").size() - 1, "only lo left in the pod");

    // the agent goes away: the same binary falls back to the JVM plugin and gives the same answer
    server.close();
    Sh.Result fallback = cni("ADD", pod, config(""));
    assertEquals(0, fallback.exit(), fallback.out() + fallback.err());
    // round-robin like host-local: the next address, not the one just released
    JsonNode again = JSON.readTree(fallback.out());
    assertTrue(again.at("/ips/0/address").asText().startsWith("10.77.0."), fallback.out());
    assertEquals(result.at("/interfaces").size(), again.at("/interfaces").size(), "same result shape without the agent");
    assertEquals(0, cni("DEL", pod, config("")).exit());
  }

  @Test
  void errorsAreTheSameThroughTheAgentAndWithoutIt() throws Exception {
    String pod = netns.create("p2");
    String bad = config(",\"hairpinMode\":true,\"promiscMode\":true");
    Sh.Result viaAgent = cni("ADD", pod, bad);
    assertEquals(1, server.served());
    server.close();
    Sh.Result viaJvm = cni("ADD", pod, bad);
    assertEquals(1, viaAgent.exit());
    assertEquals(1, viaJvm.exit());
    JsonNode a = JSON.readTree(viaAgent.out()), b = JSON.readTree(viaJvm.out());
    assertEquals(7, a.get("code").asInt());
    assertEquals(b.get("code"), a.get("code"));
    assertEquals(b.get("msg"), a.get("msg"));
    assertEquals(0, Sh.ip(host, "link", "show").size() - 1, "nothing created on the host");
  }
}
