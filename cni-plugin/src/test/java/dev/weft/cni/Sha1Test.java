package dev.weft.cni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha1Test {
  @Test
  void matchesMessageDigestForEveryLengthAroundTheBlockBoundaries() throws Exception {
    Random rnd = new Random(7);
    for (int len = 0; len <= 300; len++) {
      byte[] m = new byte[len];
      rnd.nextBytes(m);
      assertArrayEquals(MessageDigest.getInstance("SHA-1").digest(m), Sha1.digest(m), "length " + len);
    }
  }

  @Test
  void knownVector() {
    assertEquals("a9993e364706816aba3e25717850c26c9cd0d89d", HexFormat.of().formatHex(Sha1.digest("abc".getBytes(StandardCharsets.US_ASCII))));
  }

  @Test
  void vethNameIsUnchanged() throws Exception {
    String[][] cases = {{"weft", "abc123", "eth0"}, {"mynet", "c0ffee-\u00e9", "net1"}, {"n", "x".repeat(200), "eth9"}};
    for (String[] c : cases) {
      byte[] d = MessageDigest.getInstance("SHA-1").digest((c[0] + "/" + c[1] + "/" + c[2]).getBytes(StandardCharsets.UTF_8));
      assertEquals("veth" + HexFormat.of().formatHex(d, 0, 4), VethName.of(c[0], c[1], c[2]));
    }
  }
}
