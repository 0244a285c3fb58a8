package dev.weft.proxy.nft;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable map that shares its bulk with the one it was derived from: a base map and a small
 * overlay of changes since (a removal is an overlay entry with a null value). Deriving a map with a
 * few changes costs the size of the overlay, not of the map, which is what keeps the planning of
 * a one-service update independent of the number of services; the overlay is folded into a new
 * base once it grows past a quarter of it. Null values are not allowed.
 */
final class Layered<K, V> extends AbstractMap<K, V> {
  private final Map<K, V> base;
  private final Map<K, V> overlay;
  private final int size;

  private Layered(Map<K, V> base, Map<K, V> overlay, int size) {
    this.base = base;
    this.overlay = overlay;
    this.size = size;
  }

  /** Takes {@code m} over: the caller must not change it afterwards. */
  static <K, V> Layered<K, V> of(Map<K, V> m) {
    return new Layered<>(m, Map.of(), m.size());
  }

  /** This map with {@code changes} applied (a null value removes the key). */
  Layered<K, V> with(Map<K, V> changes) {
    if (changes.isEmpty()) return this;
    Map<K, V> o = HashMap.newHashMap(overlay.size() + changes.size());
    o.putAll(overlay);
    int n = size;
    for (var e : changes.entrySet()) {
      boolean had = containsKey(e.getKey());
      if (e.getValue() == null) {
        if (!had) continue;
        n--;
        if (base.containsKey(e.getKey())) o.put(e.getKey(), null);
        else o.remove(e.getKey());
      } else {
        if (!had) n++;
        o.put(e.getKey(), e.getValue());
      }
    }
    if (o.size() > 64 + base.size() / 4) {
      Map<K, V> b = HashMap.newHashMap(n);
      b.putAll(base);
      for (var e : o.entrySet()) {
        if (e.getValue() == null) b.remove(e.getKey());
        else b.put(e.getKey(), e.getValue());
      }
      return new Layered<>(b, Map.of(), n);
    }
    return new Layered<>(base, o, n);
  }

  /** Changes to collect for {@link #with}, read through to this map. */
  Editor<K, V> edit() {
    return new Editor<>(this);
  }

  @Override
  public V get(Object key) {
    if (!overlay.isEmpty() && overlay.containsKey(key)) return overlay.get(key);
    return base.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Set<Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Entry<K, V>> iterator() {
        Iterator<Entry<K, V>> a = overlay.entrySet().iterator(), b = base.entrySet().iterator();
        return new Iterator<>() {
          Entry<K, V> next = advance();

          private Entry<K, V> advance() {
            while (a.hasNext()) {
              Entry<K, V> e = a.next();
              if (e.getValue() != null) return e;
            }
            while (b.hasNext()) {
              Entry<K, V> e = b.next();
              if (overlay.isEmpty() || !overlay.containsKey(e.getKey())) return e;
            }
            return null;
          }

          @Override
          public boolean hasNext() {
            return next != null;
          }

          @Override
          public Entry<K, V> next() {
            if (next == null) throw new NoSuchElementException();
            Entry<K, V> e = next;
            next = advance();
            return e;
          }
        };
      }
    };
  }

  /** A mutable view: reads see the layered map plus the changes made so far. */
  static final class Editor<K, V> extends AbstractMap<K, V> {
    private final Layered<K, V> from;
    final Map<K, V> changes = new HashMap<>();

    Editor(Layered<K, V> from) {
      this.from = from;
    }

    @Override
    public V get(Object key) {
      return changes.containsKey(key) ? changes.get(key) : from.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return get(key) != null;
    }

    @Override
    public V put(K key, V value) {
      V was = get(key);
      changes.put(key, value);
      return was;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V remove(Object key) {
      V was = get(key);
      changes.put((K) key, null);
      return was;
    }

    @Override
    public Set<Entry<K, V>> entrySet() {
      throw new UnsupportedOperationException("an editor is read by key only");
    }

    Layered<K, V> done() {
      return from.with(changes);
    }
  }
}
