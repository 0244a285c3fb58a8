package dev.weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** libcni's list semantics with recording fake plugins (no root, no kernel). */
class ConflistInvokerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private Path bin, log, cache;
  private ConflistInvoker cni;
  private ConflistInvoker.Attachment att;

  private static final String CONFLIST = """
      {"cniVersion":"1.0.0","name":"testnet","plugins":[
        {"type":"fake-a","capabilities":{"portMappings":true},"x":1},
        {"type":"fake-b"}]}
      """;

  @BeforeEach
  void plugins() throws Exception {
    bin = Files.createDirectories(dir.resolve("bin"));
    log = Files.createDirectories(dir.resolve("log"));
    cache = dir.resolve("cache");
    for (String p : List.of("a", "b")) plugin("fake-" + p, """
        n=$(basename "$0")
        echo "$CNI_COMMAND $n" >> "$LOG/order"
        cat > "$LOG/$CNI_COMMAND-$n.json"
        env | grep ^CNI_ | sort > "$LOG/$CNI_COMMAND-$n.env"
        [ "$CNI_COMMAND" = ADD ] && printf '{"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"}],"by":"%s"}' "$n"
        exit 0
        """);
    plugin("fake-err", """
        printf '{"cniVersion":"1.0.0","code":7,"msg":"bad thing","details":"more"}'
        exit 1
        """);
    plugin("fake-crash", "echo boom >&2; exit 2\n");
    cni = new ConflistInvoker(List.of(dir.resolve("nothing-here"), bin), null, cache, Map.of("LOG", log.toString()), Duration.ofSeconds(10));
    Map<String, Object> caps = new LinkedHashMap<>();
    caps.put("portMappings", List.of(Map.of("hostPort", 8080L, "containerPort", 80L, "protocol", "tcp")));
    caps.put("bandwidth", Map.of("ingressRate", 1L));
    att = new ConflistInvoker.Attachment("c0ffee", Path.of("/run/netns/x"), "eth0", Map.of("K8S_POD_NAME", "p1"), caps);
  }

  private void plugin(String name, String body) throws Exception {
    Path f = bin.resolve(name);
    Files.writeString(f, "#!/bin/sh\n" + body);
    f.toFile().setExecutable(true);
  }

  private JsonNode logged(String file) throws Exception {
    return JSON.readTree(log.resolve(file).toFile());
  }

  @Test
  void addRunsInOrderWithPrevResultAndCapabilitiesThenCaches() throws Exception {
    Map<String, Object> r = cni.add(CONFLIST.getBytes(StandardCharsets.UTF_8), att);
    assertEquals("fake-b", r.get("by"));
    assertEquals(List.of("ADD fake-a", "ADD fake-b"), Files.readAllLines(log.resolve("order")));
    JsonNode a = logged("ADD-fake-a.json"), b = logged("ADD-fake-b.json");
    assertEquals("testnet", a.get("name").asText());
    assertEquals("1.0.0", a.get("cniVersion").asText());
    assertEquals(1, a.get("x").asInt());
    assertFalse(a.has("prevResult"));
    assertEquals(8080, a.get("runtimeConfig").get("portMappings").get(0).get("hostPort").asInt());
    assertFalse(a.get("runtimeConfig").has("bandwidth"), "only capabilities the plugin declares");
    assertEquals("fake-a", b.get("prevResult").get("by").asText());
    assertFalse(b.has("runtimeConfig"));
    String env = Files.readString(log.resolve("ADD-fake-a.env"));
    for (String e : List.of("CNI_COMMAND=ADD", "CNI_CONTAINERID=c0ffee", "CNI_IFNAME=eth0", "CNI_NETNS=/run/netns/x",
        "CNI_PATH=" + dir.resolve("nothing-here") + ":" + bin, "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=p1"))
      assertTrue(env.contains(e + "\n"), e + " in " + env);
    JsonNode c = JSON.readTree(cache.resolve("results/testnet-c0ffee-eth0").toFile());
    assertEquals("cniCacheV1", c.get("kind").asText());
    assertEquals(CONFLIST, new String(Base64.getDecoder().decode(c.get("config").asText()), StandardCharsets.UTF_8));
    assertEquals("fake-b", c.get("result").get("by").asText());
    assertEquals("eth0", c.get("ifName").asText());
    assertEquals("testnet", c.get("networkName").asText());
  }

  @Test
  void delRunsInReverseWithTheCachedResultThenForgetsIt() throws Exception {
    cni.add(CONFLIST.getBytes(StandardCharsets.UTF_8), att);
    Files.delete(log.resolve("order"));
    cni.del(null, att); // the list is gone: the cached config is used
    assertEquals(List.of("DEL fake-b", "DEL fake-a"), Files.readAllLines(log.resolve("order")));
    assertEquals("fake-b", logged("DEL-fake-a.json").get("prevResult").get("by").asText());
    assertEquals("fake-b", logged("DEL-fake-b.json").get("prevResult").get("by").asText());
    assertFalse(Files.exists(cache.resolve("results/testnet-c0ffee-eth0")));
    // DEL again (nothing cached) with the list: runs without prevResult, like a runtime retrying
    cni.del(CONFLIST.getBytes(StandardCharsets.UTF_8), att);
    assertFalse(logged("DEL-fake-a.json").has("prevResult"));
  }

  @Test
  void checkGetsTheCachedResult() throws Exception {
    cni.add(CONFLIST.getBytes(StandardCharsets.UTF_8), att);
    cni.check(CONFLIST.getBytes(StandardCharsets.UTF_8), att);
    assertEquals("fake-b", logged("CHECK-fake-a.json").get("prevResult").get("by").asText());
  }

  @Test
  void pluginErrorsComeBackWithTheirCodeAndMessage() {
    String list = CONFLIST.replace("\"type\":\"fake-b\"", "\"type\":\"fake-err\"");
    CniException e = assertThrows(CniException.class, () -> cni.add(list.getBytes(StandardCharsets.UTF_8), att));
    assertEquals(7, e.code());
    assertEquals("bad thing", e.msg());
    assertEquals("more", e.details());
    assertEquals("fake-err: bad thing (more) [CNI error 7]", e.getMessage());
    assertFalse(Files.exists(cache.resolve("results/testnet-c0ffee-eth0")), "a failed ADD caches nothing");

    CniException crash = assertThrows(CniException.class,
        () -> cni.add(CONFLIST.replace("fake-b", "fake-crash").getBytes(StandardCharsets.UTF_8), att));
    assertEquals("fake-crash: ADD exited 2: boom [CNI error 999]", crash.getMessage());

    CniException missing = assertThrows(CniException.class,
        () -> cni.add(CONFLIST.replace("fake-b", "nope").getBytes(StandardCharsets.UTF_8), att));
    assertTrue(missing.getMessage().contains("failed to find plugin \"nope\""), missing.getMessage());

    CniException bad = assertThrows(CniException.class, () -> cni.add("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8), att));
    assertEquals(7, bad.code());
  }

  @Test
  void findConflistPicksTheFirstInLexicalOrder() throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    assertNull(ConflistInvoker.findConflist(conf));
    Files.writeString(conf.resolve("20-b.conflist"), "{}");
    Files.writeString(conf.resolve("10-a.conflist"), "{}");
    Files.writeString(conf.resolve("05-x.conf"), "{}");
    Files.writeString(conf.resolve(".01-tmp.conflist"), "{}");
    assertEquals(conf.resolve("10-a.conflist"), ConflistInvoker.findConflist(conf));
  }
}
