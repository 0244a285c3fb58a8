package dev.weft.proxy.nft;

import dev.weft.proxy.model.ServicePortName;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;

/**
 * What one service port owns in the table, as nft text: its chains (name → rules, in order), its
 * sets (name → declaration body) and its elements in the shared sets and maps. Equal values mean
 * the kernel needs no change for this service port.
 */
public record ServiceRules(ServicePortName id, SequencedMap<String, List<String>> chains, SequencedMap<String, String> sets, List<Element> elements) {
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
    elements = List.copyOf(elements);
  }

  public boolean isEmpty() {
    return chains.isEmpty() && sets.isEmpty() && elements.isEmpty();
  }

  /** Rules in all chains. */
  public int ruleCount() {
    int n = 0;
    for (List<String> r : chains.values()) n += r.size();
    return n;
  }
}
