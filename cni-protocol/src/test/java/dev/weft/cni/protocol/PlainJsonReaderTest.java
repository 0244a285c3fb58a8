package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Whatever PlainJsonReader accepts, jackson reads to the very same value; the rest goes to jackson. */
class PlainJsonReaderTest {
  private static final String[] ACCEPTED = {
      "{}", "[]", "{ }", "[ ]", "0", "-0", "7", "-123456789012345678", "true", "false", "null", "\"\"",
      "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
      " \t\r\n{\"a\" : [ 1 , 2 ] }\n",
      "{\"esc\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u0041\\u00e9\\u20ac\\u0000\"}",
      "{\"dup\":1,\"x\":2,\"dup\":3}",
      "[[[[[[[[[[1]]]]]]]]]]",
  };

  private static final String[] NOT_HANDLED = {
      "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.5", "1e5", "-0.0", "1E+2",
      "1234567890123456789", "99999999999999999999", "tru", "truex", "[true1]", "nul", "\"abc", "\"a\tb\"",
      "\"\\x\"", "\"\\u12\"", "\"\\ud83d\\ude00\"", "'a'", "[1] [2]", "{} x", "/* c */ {}", "NaN", "\"h\u00e9\"",
      "[1\u000b]", "{\"a\":1}\u0000",
  };

  @Test
  void acceptedDocumentsEqualJacksons() {
    for (String s : ACCEPTED) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      Object plain = PlainJsonReader.read(b);
      assertNotSame(PlainJsonReader.NOT_HANDLED, plain, s);
      assertEquals(Json.parseWithJackson(b), plain, s);
    }
  }

  @Test
  void everythingElseIsLeftToJackson() {
    for (String s : NOT_HANDLED) assertSame(PlainJsonReader.NOT_HANDLED, PlainJsonReader.read(s.getBytes(StandardCharsets.UTF_8)), s);
  }

  @Test
  void deepNestingIsLeftToJackson() {
    String deep = "[".repeat(40) + "]".repeat(40);
    assertSame(PlainJsonReader.NOT_HANDLED, PlainJsonReader.read(deep.getBytes(StandardCharsets.UTF_8)));
    assertEquals(Json.parseWithJackson(deep.getBytes(StandardCharsets.UTF_8)), Json.parse(deep.getBytes(StandardCharsets.UTF_8)));
  }

  /** Every seed and golden file, and thousands of byte-level mutations of them. */
  @Test
  void mutationsOfRealConfigsAgreeWithJackson() throws IOException {
    List<byte[]> seeds = new ArrayList<>();
    for (String dir : new String[] {"src/test/resources/golden", "src/test/resources/dev/weft/cni/protocol/CniFuzzTestInputs"})
      try (Stream<Path> files = Files.walk(Path.of(dir))) {
        for (Path p : files.filter(Files::isRegularFile).toList()) seeds.add(Files.readAllBytes(p));
      }
    if (seeds.size() < 10) fail("seeds not found: " + seeds.size());
    Random rnd = new Random(42);
    byte[] alphabet = "{}[]\",:.-+eE0123456789 \\/tfnu\tx\u0001a".getBytes(StandardCharsets.ISO_8859_1);
    int handled = 0;
    for (byte[] seed : seeds) {
      handled += check(seed);
      for (int n = 0; n < 3000; n++) {
        byte[] m = seed.clone();
        int edits = 1 + rnd.nextInt(3);
        for (int e = 0; e < edits && m.length > 0; e++) {
          int at = rnd.nextInt(m.length);
          switch (rnd.nextInt(3)) {
            case 0 -> m[at] = alphabet[rnd.nextInt(alphabet.length)];
            case 1 -> m = splice(m, at, new byte[] {alphabet[rnd.nextInt(alphabet.length)]}, 0);
            default -> m = splice(m, at, new byte[0], 1);
          }
        }
        handled += check(m);
      }
    }
    if (handled < 1000) fail("too few mutations were plain JSON to compare: " + handled);
  }

  private static int check(byte[] b) {
    Object plain = PlainJsonReader.read(b);
    if (plain == PlainJsonReader.NOT_HANDLED) return 0;
    Object jackson;
    try {
      jackson = Json.parseWithJackson(b);
    } catch (Json.JsonException e) {
      fail("accepted what jackson rejects (" + e.getMessage() + "): " + new String(b, StandardCharsets.ISO_8859_1));
      return 0;
    }
    assertEquals(jackson, plain, new String(b, StandardCharsets.ISO_8859_1));
    return 1;
  }

  private static byte[] splice(byte[] b, int at, byte[] insert, int remove) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }
}
