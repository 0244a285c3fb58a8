package dev.weft.proxy.nft;

import dev.weft.proxy.model.ServicePortName;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * What one service port owns in the table, as nft text: its chains (name → rules, in order), its
 * sets (name → declaration body), its elements in the shared sets and maps, and the balancing
 * groups it uses ({@code eps-N}: maps and chains that exist while some service port uses them).
 * Equal values mean the kernel needs no change for this service port.
 */
public record ServiceRules(ServicePortName id, SequencedMap<String, List<String>> chains, SequencedMap<String, String> sets, List<Element> elements,
    List<String> shared) {
  /**
   * An element of a shared set or map.
   *
   * @param value the verdict for a map ("goto svc-…", "drop"), null for a set
   */
  public record Element(String set, String key, String value) {
    /** "key : value" or "key". */
    String text() {
      return value == null ? key : key + " : " + value;
    }
  }

  public ServiceRules {
    chains = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(chains));
    sets = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(sets));
    elements = Collections.unmodifiableList(elements instanceof java.util.ArrayList<Element> a ? a : new java.util.ArrayList<>(elements));
    shared = List.copyOf(shared);
  }

  public boolean isEmpty() {
    return chains.isEmpty() && sets.isEmpty() && elements.isEmpty();
  }

  /**
   * A 64-bit digest of everything this service port writes (FNV-1a over the text, then a
   * splitmix64 finaliser). Digests of all service ports are summed into the table's sync state:
   * the sum changes by one subtraction and one addition when one service port changes.
   */
  public long digest() {
    long h = 0xcbf29ce484222325L;
    for (var c : chains.entrySet()) {
      h = fnv(h, c.getKey());
      for (String r : c.getValue()) h = fnv(h, r);
    }
    for (var e : sets.entrySet()) h = fnv(fnv(h, e.getKey()), e.getValue());
    for (Element e : elements) h = fnv(fnv(fnv(h, e.set()), e.key()), e.value() == null ? "" : e.value());
    for (String c : shared) h = fnv(h, c);
    return mix(h);
  }

  static long fnv(long h, String s) {
    for (int i = 0, n = s.length(); i < n; i++) h = (h ^ s.charAt(i)) * 0x100000001b3L;
    return (h ^ 0xff) * 0x100000001b3L; // separator
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Rules in all chains. */
  public int ruleCount() {
    int n = 0;
    for (List<String> r : chains.values()) n += r.size();
    return n;
  }
}
