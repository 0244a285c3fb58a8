package dev.weft.lab.services;

import dev.weft.store.AlreadyExistsException;
import dev.weft.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Allocation by records: every allocated value (an IP, a port) is one object in the store, named by the value and
 * naming its owner. Taking a value is {@link ClusterStore#create} — atomic create-if-absent in etcd — so two
 * writers (threads, processes, machines) never get the same value; whoever loses the race tries the next free one.
 * Dynamic allocation starts at a random point of the range and walks it, skipping values known to be taken (one
 * list per allocator, then kept up to date by its own results), so a bulk apply costs one list, not one per value.
 */
abstract class RecordAllocator<T extends HasMetadata> {
  protected final ClusterStore store;
  private final Class<T> kind;
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  private volatile boolean listed;

  RecordAllocator(ClusterStore store, Class<T> kind) {
    this.store = store;
    this.kind = kind;
  }

  /** What is allocated, for messages: "ClusterIP", "NodePort". */
  abstract String what();

  /** The range dynamic allocation walks, for messages. */
  abstract String rangeText();

  abstract long dynamicSize();

  /** The record name of the i-th value of the dynamic range. */
  abstract String dynamicName(long i);

  abstract T newRecord(String name, ServiceRef owner);

  /** The record's owner, or null when the record is not one of this allocator's (another pool's IPAddress). */
  abstract ServiceRef ownerOf(T record);

  /** Takes a free value for {@code owner}; {@link ServiceRejectedException} when none is left. */
  public String allocate(ServiceRef owner) {
    if (!listed) refresh();
    long size = dynamicSize();
    for (int round = 0; round < 2; round++) {
      long start = ThreadLocalRandom.current().nextLong(size);
      for (long i = 0; i < size; i++) {
        String name = dynamicName((start + i) % size);
        if (known.contains(name)) continue;
        try {
          store.create(newRecord(name, owner));
          known.add(name);
          return name;
        } catch (AlreadyExistsException taken) {
          known.add(name);
        }
      }
      refresh(); // released values may be free again: look once more
    }
    throw new ServiceRejectedException("no free " + what() + " left in " + rangeText() + " (all " + size + " are allocated)");
  }

  /**
   * Takes a value the manifest asks for: true when taken now, false when {@code owner} already held it (a
   * re-apply). Held by anyone else: a {@link ServiceRejectedException} naming the holder.
   */
  public boolean claim(String name, ServiceRef owner, String field) {
    for (int attempt = 0; attempt < 2; attempt++) {
      try {
        store.create(newRecord(name, owner));
        known.add(name);
        return true;
      } catch (AlreadyExistsException taken) {
        known.add(name);
        Optional<T> r = store.get(kind, null, name);
        if (r.isEmpty()) continue; // released meanwhile: try again
        ServiceRef holder = ownerOf(r.get());
        if (owner.equals(holder)) return false;
        throw new ServiceRejectedException(field + ": Invalid value: \"" + name + "\": provided " + what() + " is already allocated"
            + (holder == null ? "" : " (to service " + holder + ")"));
      }
    }
    throw new ServiceRejectedException(field + ": " + what() + " " + name + " is being allocated and released concurrently; retry");
  }

  /**
   * The value a Service gets: {@code want} claimed for {@code owner} ({@link #claim}; {@code field} names it in
   * errors), or a free one when {@code want} is null ({@link #allocate}). What this call newly took is given
   * back by the action added to {@code undo} (run when the Service write that needed it loses a race).
   */
  public String take(String want, ServiceRef owner, String field, List<Runnable> undo) {
    if (want == null) {
      String got = allocate(owner);
      undo.add(() -> release(got, owner));
      return got;
    }
    if (claim(want, owner, field)) undo.add(() -> release(want, owner));
    return want;
  }

  /** Frees a value if {@code owner} holds it; false when it did not. */
  public boolean release(String name, ServiceRef owner) {
    Optional<T> r = store.get(kind, null, name);
    if (r.isEmpty() || !owner.equals(ownerOf(r.get()))) return false;
    boolean deleted = store.delete(kind, null, name);
    known.remove(name);
    return deleted;
  }

  /** This allocator's records (for repair and tests). */
  public List<T> records() {
    return store.list(kind, null).stream().filter(r -> ownerOf(r) != null).toList();
  }

  private void refresh() {
    Set<String> now = ConcurrentHashMap.newKeySet();
    for (T r : store.list(kind, null)) now.add(r.getMetadata().getName());
    known.retainAll(now);
    known.addAll(now);
    listed = true;
  }
}
