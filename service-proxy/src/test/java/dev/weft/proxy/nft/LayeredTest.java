package dev.weft.proxy.nft;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LayeredTest {
  /** Random changes applied to a Layered map and to a HashMap give the same map, and earlier versions stay as they were. */
  @Test
  void behavesAsAnImmutableMap() {
    Random r = new Random(7);
    Map<Integer, Integer> plain = new HashMap<>();
    for (int i = 0; i < 500; i++) plain.put(i, i);
    Layered<Integer, Integer> l = Layered.of(new HashMap<>(plain));
    for (int round = 0; round < 300; round++) {
      Layered<Integer, Integer> before = l;
      Map<Integer, Integer> snapshot = new HashMap<>(plain);
      Layered.Editor<Integer, Integer> ed = l.edit();
      for (int k = 0; k < 1 + r.nextInt(20); k++) {
        int key = r.nextInt(700);
        if (r.nextBoolean()) {
          ed.put(key, round);
          plain.put(key, round);
        } else {
          ed.remove(key);
          plain.remove(key);
        }
        assertEquals(plain.get(key), ed.get(key));
      }
      l = ed.done();
      assertEquals(plain, l);
      assertEquals(plain.size(), l.size());
      assertEquals(plain, new HashMap<>(l));
      assertEquals(snapshot, before, "the earlier version is unchanged");
      for (int key = 0; key < 700; key++) assertEquals(plain.containsKey(key), l.containsKey(key));
    }
  }
}
