package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class CniVersionTest {
  @Test
  void picksTheHighestSupportedOfBoth() throws CniError {
    assertEquals("1.0.0", CniVersion.negotiate("1.0.0", List.of()));
    assertEquals("1.1.0", CniVersion.negotiate("1.0.0", List.of("0.4.0", "1.1.0", "2.0.0")));
    assertEquals("0.4.0", CniVersion.negotiate("9.9.9", List.of("0.4.0")));
    assertEquals("1.1.0", CniVersion.negotiate(null, List.of("1.1.0")));
  }

  @Test
  void refusesUnsupportedAndMissingWithCode1() {
    CniError e = assertThrows(CniError.class, () -> CniVersion.negotiate("0.2.0", null));
    assertEquals(CniError.INCOMPATIBLE_VERSION, e.code());
    assertTrue(e.details().contains("0.2.0") && e.details().contains("1.1.0"), e.details());
    e = assertThrows(CniError.class, () -> CniVersion.negotiate(null, List.of()));
    assertEquals(1, e.code());
    assertTrue(e.details().contains("no cniVersion"));
    assertEquals(1, assertThrows(CniError.class, () -> CniVersion.negotiate("", List.of("garbage"))).code());
  }

  @Test
  void compareAndVerbs() {
    assertTrue(CniVersion.compare("0.4.0", "1.0.0") < 0);
    assertTrue(CniVersion.compare("0.10.0", "0.9.0") > 0);
    assertEquals(0, CniVersion.compare("1.0", "1.0.0"));
    assertThrows(IllegalArgumentException.class, () -> CniVersion.compare("1.x", "1.0.0"));
    assertFalse(CniVersion.supportsCheck("0.3.1"));
    assertTrue(CniVersion.supportsCheck("0.4.0"));
    assertFalse(CniVersion.supportsStatusGc("1.0.0"));
    assertTrue(CniVersion.supportsStatusGc("1.1.0"));
    assertFalse(CniVersion.supportsCheck("bogus"));
  }

  @Test
  void versionInfo() {
    assertEquals("{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]}",
        Json.writeString(CniVersion.versionInfo(null)));
    assertEquals("0.4.0", CniVersion.versionInfo("0.4.0").get("cniVersion"));
    assertEquals("1.1.0", CniVersion.versionInfo("0.2.0").get("cniVersion"));
  }

  @Test
  void errorJson() {
    assertEquals("{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad\",\"details\":\"why\"}",
        Json.writeString(new CniError(7, "bad", "why").toJson("1.0.0")));
    assertEquals("{\"code\":11,\"msg\":\"later\"}", Json.writeString(new CniError(11, "later", "").toJson(null)));
  }
}
