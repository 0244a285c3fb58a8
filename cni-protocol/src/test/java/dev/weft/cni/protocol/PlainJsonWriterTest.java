package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Whatever PlainJsonWriter writes is byte for byte jackson's output; the rest goes to jackson. */
class PlainJsonWriterTest {
  @Test
  void realResultsAreWrittenAsJacksonWritesThem() throws Exception {
    for (String f : new String[] {"bridge-result-1.0.0.json", "bridge-result-0.4.0.json", "bridge-result-0.3.1.json", "bridge-result-0.3.0.json"}) {
      Object v = Json.parse(Files.readAllBytes(Path.of("src/test/resources/golden", f)));
      byte[] plain = PlainJsonWriter.write(v);
      assertNotNull(plain, f);
      assertArrayEquals(Json.writeWithJackson(v, false), plain, f);
    }
  }

  @Test
  void randomTreesWithEveryAsciiCharacterMatchJackson() {
    Random rnd = new Random(11);
    for (int n = 0; n < 3000; n++) {
      Object v = tree(rnd, 0);
      byte[] plain = PlainJsonWriter.write(v);
      assertNotNull(plain);
      assertArrayEquals(Json.writeWithJackson(v, false), plain, String.valueOf(v));
    }
  }

  @Test
  void otherValuesAreLeftToJackson() {
    assertNull(PlainJsonWriter.write(Map.of("a", "h\u00e9")));
    assertNull(PlainJsonWriter.write(Map.of("\u20ac", 1)));
    assertNull(PlainJsonWriter.write(List.of(1.5)));
    assertNull(PlainJsonWriter.write(List.of(BigInteger.TEN)));
    assertNull(PlainJsonWriter.write(List.of(new BigDecimal("1.50"))));
    assertNull(PlainJsonWriter.write(List.of(new Object())));
    // and Json.write still writes them, through jackson
    assertArrayEquals(Json.writeWithJackson(Map.of("a", "h\u00e9"), false), Json.write(Map.of("a", "h\u00e9")));
  }

  private static Object tree(Random rnd, int depth) {
    int kind = rnd.nextInt(depth > 3 ? 5 : 7);
    switch (kind) {
      case 0: return null;
      case 1: return rnd.nextBoolean();
      case 2: return rnd.nextBoolean() ? (Object) rnd.nextInt() : (Object) rnd.nextLong();
      case 3:
      case 4: return text(rnd);
      case 5: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(4); i > 0; i--) m.put(text(rnd), tree(rnd, depth + 1));
        return m;
      }
      default: {
        List<Object> l = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) l.add(tree(rnd, depth + 1));
        return l;
      }
    }
  }

  private static String text(Random rnd) {
    StringBuilder sb = new StringBuilder();
    for (int i = rnd.nextInt(12); i > 0; i--) sb.append((char) rnd.nextInt(0x80));
    return sb.toString();
  }
}
