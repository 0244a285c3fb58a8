package dev.weft.nat;

import dev.weft.cni.protocol.Json;
import dev.weft.nat.NftScript.Element;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the elements of weft's sets and maps from {@code nft -j list table} output. */
final class NftElements {
  private NftElements() {}

  /** Every element of every set and map in the JSON, its key rendered as nft text. */
  static List<Element> parse(String json) {
    List<Element> out = new ArrayList<>();
    if (!(Json.parse(json) instanceof Map<?, ?> root) || !(root.get("nftables") instanceof List<?> items)) return out;
    for (Object item : items) {
      if (!(item instanceof Map<?, ?> m)) continue;
      Object s = m.containsKey("set") ? m.get("set") : m.get("map");
      if (!(s instanceof Map<?, ?> set) || !(set.get("elem") instanceof List<?> elems)) continue;
      String name = String.valueOf(set.get("name"));
      for (Object e : elems) {
        Object key = e instanceof List<?> pair && !pair.isEmpty() ? pair.get(0) : e; // map: [key, data]
        Object comment = null;
        if (key instanceof Map<?, ?> km && km.get("elem") instanceof Map<?, ?> wrapped) {
          comment = wrapped.get("comment");
          key = wrapped.get("val");
        }
        out.add(new Element(name, render(key), comment == null ? null : comment.toString()));
      }
    }
    return out;
  }

  /** nft text of a JSON value: address, number, prefix, range or concatenation. */
  static String render(Object v) {
    if (v instanceof Map<?, ?> m) {
      if (m.get("concat") instanceof List<?> parts) {
        List<String> r = new ArrayList<>();
        for (Object p : parts) r.add(render(p));
        return String.join(" . ", r);
      }
      if (m.get("prefix") instanceof Map<?, ?> p) return render(p.get("addr")) + "/" + render(p.get("len"));
      if (m.get("range") instanceof List<?> r && r.size() == 2) return render(r.get(0)) + "-" + render(r.get(1));
      throw new IllegalArgumentException("unexpected nft JSON value " + m);
    }
    return String.valueOf(v);
  }
}
