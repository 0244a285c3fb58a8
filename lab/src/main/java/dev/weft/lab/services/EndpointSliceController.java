package dev.weft.lab.services;

import dev.weft.store.AlreadyExistsException;
import dev.weft.store.ClusterStore;
import dev.weft.store.ConflictException;
import dev.weft.store.NotFoundException;
import dev.weft.store.StoreException;
import dev.weft.store.Watch;
import dev.weft.store.WatchEvent;
import dev.weft.store.WatchHandler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps {@code discovery.k8s.io/v1} EndpointSlices in step with Services and Pods in a {@link ClusterStore}, as
 * Kubernetes' EndpointSlice controller does (what a slice holds: {@link EndpointSlicePlan}). It watches Services,
 * Pods and the slices it manages (label {@code endpointslice.kubernetes.io/managed-by: endpointslice-controller.weft.dev});
 * every event marks the Services it touches, and a worker thread recomputes each marked Service from the cached
 * state and writes only the difference (create / compare-and-swap update / delete). Level-triggered: nothing is
 * remembered between runs — on start (after all three watches have listed) and every {@code resync} every Service
 * is recomputed, so a restarted controller or one that missed events fixes any drift (a slice edited or deleted by
 * hand, a Service deleted while it was down). Slices of other managers are never touched.
 */
public final class EndpointSliceController implements AutoCloseable {
  private final ClusterStore store;
  private final Duration resync;
  private final Consumer<String> log;
  // caches: namespace -> name -> object, guarded by this
  private final Map<String, Map<String, Service>> services = new HashMap<>();
  private final Map<String, Map<String, Pod>> pods = new HashMap<>();
  private final Map<String, Map<String, EndpointSlice>> slicesByService = new HashMap<>(); // "ns/svc" -> slice name -> slice
  private final Map<String, String> sliceOwner = new HashMap<>(); // "ns/slice" -> "ns/svc"
  private final Set<String> dirty = new LinkedHashSet<>();
  private final Set<String> synced = new java.util.HashSet<>();
  private final List<Watch> watches = new ArrayList<>();
  private final AtomicLong writes = new AtomicLong();
  private volatile boolean closed;
  private volatile String lastError;
  private Thread worker;

  public EndpointSliceController(ClusterStore store, Duration resync, Consumer<String> log) {
    this.store = store;
    this.resync = resync;
    this.log = log == null ? m -> {} : log;
  }

  public synchronized void start() {
    watches.add(store.watch(Service.class, null, handler("services", this::onService)));
    watches.add(store.watch(Pod.class, null, handler("pods", this::onPod)));
    watches.add(store.watch(EndpointSlice.class, null, handler("endpointslices", this::onSlice)));
    worker = Thread.ofPlatform().daemon().name("endpointslice-controller").start(this::work);
  }

  /** Slices written (created, updated or deleted) so far. */
  public long writes() {
    return writes.get();
  }

  /** True once all three watches have listed (and the first full sync is under way or done). */
  public synchronized boolean synced() {
    return synced.size() == 3;
  }

  public String lastError() {
    return lastError;
  }

  /** The Services as last seen (for the lab's load-balancer routes). */
  public synchronized List<Service> services() {
    List<Service> out = new ArrayList<>();
    services.values().forEach(m -> out.addAll(m.values()));
    return out;
  }

  /** The managed slices of one Service as last seen. */
  public synchronized List<EndpointSlice> slices(String namespace, String service) {
    return new ArrayList<>(slicesByService.getOrDefault(namespace + "/" + service, Map.of()).values());
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      notifyAll();
    }
    for (Watch w : watches) {
      try {
        w.close();
      } catch (RuntimeException ignored) {
        // closing
      }
    }
    if (worker != null) worker.interrupt();
  }

  // ------------------------------------------------------------------------------------ events

  private <T> WatchHandler<T> handler(String name, Consumer<WatchEvent<T>> onEvent) {
    return new WatchHandler<>() {
      @Override
      public void onEvent(WatchEvent<T> event) {
        onEvent.accept(event);
      }

      @Override
      public void onSynced() {
        synchronized (EndpointSliceController.this) {
          synced.add(name);
          if (synced.size() == 3) markAll();
        }
      }

      @Override
      public void onInterrupted(StoreException cause) {
        lastError = name + " watch: " + cause.getMessage();
      }
    };
  }

  private synchronized void onService(WatchEvent<Service> e) {
    Service s = e.object();
    put(services, s, e.type() == WatchEvent.Type.DELETED);
    mark(key(s.getMetadata().getNamespace(), s.getMetadata().getName()));
  }

  private synchronized void onPod(WatchEvent<Pod> e) {
    Pod p = e.object();
    String ns = p.getMetadata().getNamespace();
    Pod before = pods.getOrDefault(ns, Map.of()).get(p.getMetadata().getName());
    put(pods, p, e.type() == WatchEvent.Type.DELETED);
    for (Service s : services.getOrDefault(ns, Map.of()).values()) {
      if (!EndpointSlicePlan.managed(s)) continue;
      var sel = s.getSpec().getSelector();
      if (EndpointSlicePlan.matches(sel, p.getMetadata().getLabels()) || (before != null && EndpointSlicePlan.matches(sel, before.getMetadata().getLabels())))
        mark(key(ns, s.getMetadata().getName()));
    }
  }

  private synchronized void onSlice(WatchEvent<EndpointSlice> e) {
    EndpointSlice sl = e.object();
    String sk = key(sl.getMetadata().getNamespace(), sl.getMetadata().getName());
    String was = sliceOwner.remove(sk);
    if (was != null) {
      Map<String, EndpointSlice> m = slicesByService.get(was);
      if (m != null) {
        m.remove(sl.getMetadata().getName());
        if (m.isEmpty()) slicesByService.remove(was);
      }
      mark(was);
    }
    var labels = sl.getMetadata().getLabels();
    if (e.type() == WatchEvent.Type.DELETED || labels == null || !EndpointSlicePlan.MANAGER.equals(labels.get(EndpointSlicePlan.MANAGED_BY_LABEL))) return;
    String svc = labels.get(EndpointSlicePlan.SERVICE_NAME_LABEL);
    String owner = key(sl.getMetadata().getNamespace(), svc == null ? "" : svc);
    slicesByService.computeIfAbsent(owner, k -> new HashMap<>()).put(sl.getMetadata().getName(), sl);
    sliceOwner.put(sk, owner);
    mark(owner);
  }

  private static <T extends HasMetadata> void put(Map<String, Map<String, T>> cache, T obj, boolean deleted) {
    String ns = obj.getMetadata().getNamespace();
    if (deleted) {
      Map<String, T> m = cache.get(ns);
      if (m != null && m.remove(obj.getMetadata().getName()) != null && m.isEmpty()) cache.remove(ns);
    } else {
      cache.computeIfAbsent(ns, k -> new HashMap<>()).put(obj.getMetadata().getName(), obj);
    }
  }

  private void mark(String serviceKey) {
    if (dirty.add(serviceKey)) notifyAll();
  }

  private void markAll() {
    services.forEach((ns, m) -> m.keySet().forEach(n -> dirty.add(key(ns, n))));
    dirty.addAll(slicesByService.keySet());
    notifyAll();
  }

  private static String key(String ns, String name) {
    return ns + "/" + name;
  }

  // ------------------------------------------------------------------------------------ worker

  private void work() {
    long nextResync = System.currentTimeMillis() + resync.toMillis();
    long backoff = 0;
    while (!closed) {
      List<String> batch;
      synchronized (this) {
        while (!closed && (dirty.isEmpty() || synced.size() < 3) && System.currentTimeMillis() < nextResync) {
          try {
            wait(Math.max(1, nextResync - System.currentTimeMillis()));
          } catch (InterruptedException e) {
            if (closed) return;
          }
        }
        if (closed) return;
        if (System.currentTimeMillis() >= nextResync) {
          nextResync = System.currentTimeMillis() + resync.toMillis();
          if (synced.size() == 3) markAll();
        }
        if (synced.size() < 3) continue;
        batch = new ArrayList<>(dirty);
        dirty.clear();
      }
      boolean failed = false;
      for (String svc : batch) {
        try {
          sync(svc);
        } catch (RaceLost e) {
          failed = true;
          synchronized (this) {
            dirty.add(svc);
          }
        } catch (RuntimeException e) {
          failed = true;
          String msg = "service " + svc + ": " + e.getMessage();
          if (!msg.equals(lastError)) log.accept("endpointslices: " + msg);
          lastError = msg;
          synchronized (this) {
            dirty.add(svc);
          }
        }
      }
      if (failed) {
        backoff = Math.min(5000, backoff == 0 ? 100 : backoff * 2);
        sleep(backoff);
      } else {
        backoff = 0;
      }
    }
  }

  private void sync(String svcKey) {
    Service svc;
    List<EndpointSlice> desired;
    Map<String, EndpointSlice> existing;
    synchronized (this) {
      int slash = svcKey.indexOf('/');
      String ns = svcKey.substring(0, slash), name = svcKey.substring(slash + 1);
      svc = services.getOrDefault(ns, Map.of()).get(name);
      Collection<Pod> candidates = pods.getOrDefault(ns, Map.of()).values();
      desired = svc == null ? List.of() : EndpointSlicePlan.desired(svc, candidates);
      existing = new HashMap<>(slicesByService.getOrDefault(svcKey, Map.of()));
    }
    for (EndpointSlice want : desired) {
      EndpointSlice have = existing.remove(want.getMetadata().getName());
      if (have == null) {
        try {
          cached(store.create(want));
          writes.incrementAndGet();
        } catch (AlreadyExistsException raced) {
          requeue(svcKey); // the watch brings the existing one; compare then
        }
      } else if (!sameContent(have, want)) {
        want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
        want.getMetadata().setUid(have.getMetadata().getUid());
        want.getMetadata().setCreationTimestamp(have.getMetadata().getCreationTimestamp());
        try {
          cached(store.update(want));
          writes.incrementAndGet();
        } catch (ConflictException | NotFoundException stale) {
          requeue(svcKey);
        }
      }
    }
    for (EndpointSlice extra : existing.values()) {
      store.delete(EndpointSlice.class, extra.getMetadata().getNamespace(), extra.getMetadata().getName());
      writes.incrementAndGet();
      synchronized (this) {
        Map<String, EndpointSlice> m = slicesByService.get(svcKey);
        if (m != null) {
          m.remove(extra.getMetadata().getName());
          if (m.isEmpty()) slicesByService.remove(svcKey);
        }
        sliceOwner.remove(key(extra.getMetadata().getNamespace(), extra.getMetadata().getName()));
      }
    }
    if (lastError != null && lastError.startsWith("service " + svcKey + ":")) lastError = null;
  }

  private synchronized void cached(EndpointSlice stored) {
    String owner = key(stored.getMetadata().getNamespace(), stored.getMetadata().getLabels().get(EndpointSlicePlan.SERVICE_NAME_LABEL));
    slicesByService.computeIfAbsent(owner, k -> new HashMap<>()).put(stored.getMetadata().getName(), stored);
    sliceOwner.put(key(stored.getMetadata().getNamespace(), stored.getMetadata().getName()), owner);
  }

  /** A lost race (the cache is behind the store): try again once the watch has caught up. */
  private void requeue(String svcKey) {
    throw new RaceLost();
  }

  private static final class RaceLost extends RuntimeException {
    RaceLost() {
      super("the cache is behind the store (a concurrent write); retrying", null, false, false);
    }
  }

  static boolean sameContent(EndpointSlice a, EndpointSlice b) {
    return Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
        && Objects.equals(a.getMetadata().getOwnerReferences(), b.getMetadata().getOwnerReferences())
        && Objects.equals(a.getAddressType(), b.getAddressType())
        && Objects.equals(a.getPorts(), b.getPorts())
        && Objects.equals(a.getEndpoints(), b.getEndpoints());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
