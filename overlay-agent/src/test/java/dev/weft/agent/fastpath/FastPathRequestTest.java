package dev.weft.agent.fastpath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FastPathRequestTest {
  static final String STDIN = "{\"agentSocket\":\"/tmp/cap.sock\"}";
  /**
   * What the C forwarder sent for {@code env -i CNI_COMMAND=ADD CNI_IFNAME=eth0 PATH=/usr/bin} and
   * the stdin above, captured with {@code socat -u UNIX-LISTEN:/tmp/cap.sock OPEN:cap.bin}.
   */
  static final byte[] CAPTURED = HexFormat.of().parseHex(
      "57434e4900000001000000020000000f434e495f434f4d4d414e443d4144440000000f434e495f49464e414d453d6574683000"
          + "00001f7b226167656e74536f636b6574223a222f746d702f6361702e736f636b227d");

  @Test
  void decodesWhatTheCForwarderSends() throws IOException {
    FastPathRequest r = FastPathRequest.read(new ByteArrayInputStream(CAPTURED));
    assertEquals(Map.of("CNI_COMMAND", "ADD", "CNI_IFNAME", "eth0"), r.env());
    assertEquals(STDIN, new String(r.stdin(), StandardCharsets.UTF_8));
  }

  @Test
  void encodeIsTheInverseOfRead() throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_IFNAME", "eth0");
    byte[] bytes = new FastPathRequest(env, STDIN.getBytes(StandardCharsets.UTF_8)).encode();
    assertArrayEquals(CAPTURED, bytes);
  }

  @Test
  void rejectsMalformedRequests() {
    String[] bad = {
      "", "57434e49", "58434e4900000001", "57434e4900000002", // empty, short, bad magic, bad version
      "57434e490000000100000041", // too many variables
      "57434e4900000001000000010000000541424344", // variable ends early
      "57434e49000000010000000100000003413d42", // variable not CNI_*
      "57434e490000000100000000ffffffff", // stdin length too large
      "57434e4900000001000000000000000a7b7d", // stdin ends early
    };
    for (String hex : bad) {
      assertThrows(FastPathRequest.MalformedRequestException.class,
          () -> FastPathRequest.read(new ByteArrayInputStream(HexFormat.of().parseHex(hex))), hex);
    }
  }

  @Test
  void randomCorruptionsOnlyEverGiveMalformedRequest() {
    Random rnd = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = CAPTURED.clone();
      int edits = 1 + rnd.nextInt(4);
      for (int e = 0; e < edits; e++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
      byte[] cut = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      try {
        FastPathRequest.read(new ByteArrayInputStream(cut));
      } catch (FastPathRequest.MalformedRequestException expected) {
        // fine
      } catch (Throwable t) {
        throw new AssertionError("input " + HexFormat.of().formatHex(cut) + " threw " + t, t);
      }
    }
    assertTrue(true);
  }
}
