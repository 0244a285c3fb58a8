package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CniEnvTest {
  static Map<String, String> env(String cmd) {
    Map<String, String> m = new HashMap<>();
    m.put("CNI_COMMAND", cmd);
    m.put("CNI_CONTAINERID", "abc-123_x.y");
    m.put("CNI_NETNS", "/run/netns/p");
    m.put("CNI_IFNAME", "eth0");
    m.put("CNI_PATH", "/opt/cni/bin::/usr/lib/cni");
    m.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=web;;IP=10.0.0.5");
    return m;
  }

  @Test
  void parsesEverything() throws CniError {
    CniEnv e = CniEnv.from(env("ADD"));
    assertEquals("ADD", e.command());
    assertEquals("abc-123_x.y", e.containerId());
    assertEquals("/run/netns/p", e.netns());
    assertEquals(Map.of("IgnoreUnknown", "1", "K8S_POD_NAME", "web", "IP", "10.0.0.5"), e.args());
    assertEquals(List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), e.path());
  }

  static CniError fail(Map<String, String> m) {
    return assertThrows(CniError.class, () -> CniEnv.from(m));
  }

  @Test
  void requirementsPerCommand() throws CniError {
    for (String cmd : List.of("ADD", "CHECK")) {
      for (String v : List.of("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME")) {
        var m = env(cmd);
        m.remove(v);
        CniError e = fail(m);
        assertEquals(CniError.INVALID_ENV, e.code());
        assertTrue(e.msg().contains(v), e.msg());
      }
      var m = env(cmd);
      m.remove("CNI_PATH");
      assertTrue(CniEnv.from(m).path().isEmpty()); // optional in the spec
    }
    var del = env("DEL");
    del.put("CNI_NETNS", "");
    assertNull(CniEnv.from(del).netns()); // DEL without a netns is normal
    del.remove("CNI_IFNAME");
    assertTrue(fail(del).msg().contains("CNI_IFNAME"));
    var gc = Map.of("CNI_COMMAND", "GC");
    assertTrue(fail(gc).msg().contains("CNI_PATH"));
    assertEquals("GC", CniEnv.from(Map.of("CNI_COMMAND", "GC", "CNI_PATH", "/x")).command());
    assertNull(CniEnv.from(Map.of("CNI_COMMAND", "STATUS")).containerId());
    assertEquals(4, fail(Map.of("CNI_COMMAND", "FROB")).code());
    assertEquals(4, fail(Map.of()).code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "a/b", "a:b", "a b", "eth\t0", "abcdefghijklmnop"})
  void badIfnames(String name) {
    var m = env("ADD");
    m.put("CNI_IFNAME", name);
    CniError e = fail(m);
    assertEquals(CniError.INVALID_ENV, e.code());
    assertTrue(e.msg().contains("CNI_IFNAME"), e.msg());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-abc", "a/b", "a b", "../x", "é", "a;b"})
  void badContainerIds(String id) {
    var m = env("DEL");
    m.put("CNI_CONTAINERID", id);
    CniError e = fail(m);
    assertEquals(CniError.INVALID_ENV, e.code());
    assertTrue(e.msg().contains("CNI_CONTAINERID"), e.msg());
  }

  @Test
  void fifteenCharIfnameIsFine() throws CniError {
    var m = env("ADD");
    m.put("CNI_IFNAME", "abcdefghijklmno");
    assertEquals("abcdefghijklmno", CniEnv.from(m).ifname());
  }

  @Test
  void badArgs() {
    var m = env("ADD");
    m.put("CNI_ARGS", "K8S_POD_NAME");
    assertEquals(4, fail(m).code());
  }
}
