package dev.weft.proxy;

import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ServicePortName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend that records what it is asked to do (the real ones are tested on the kernel by their
 * owners): every sync's model and time, invalidations, removeAll and close; it can be told to fail
 * the next N syncs. Like the real ones, it reports full after invalidate (and the first time) and
 * the UDP endpoints that disappeared since the previous successful sync.
 */
final class FakeBackend implements ProxyBackend {
  record Call(long nanos, ProxyModel model, boolean full) {}

  private final String name;
  final List<Call> syncs = new CopyOnWriteArrayList<>();
  final List<Long> failures = new CopyOnWriteArrayList<>();
  final AtomicInteger invalidations = new AtomicInteger(), removeAlls = new AtomicInteger(), closes = new AtomicInteger();
  final AtomicInteger failNext = new AtomicInteger();
  volatile long syncDelayMillis;
  private boolean invalid = true;
  private ProxyModel applied = ProxyModel.empty();

  FakeBackend(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized SyncResult sync(ProxyModel model, NodeContext node) {
    long t = System.nanoTime();
    if (failNext.get() > 0) {
      failNext.decrementAndGet();
      failures.add(t);
      throw new IllegalStateException("nft: Could not process rule: injected failure");
    }
    if (syncDelayMillis > 0) {
      try {
        Thread.sleep(syncDelayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    boolean full = invalid;
    invalid = false;
    Map<ServicePortName, List<Endpoint>> removed = new HashMap<>();
    for (var e : applied.endpoints().entrySet()) {
      if (e.getKey().protocol() != Protocol.UDP) continue;
      List<Endpoint> gone = new ArrayList<>();
      for (Endpoint ep : e.getValue())
        if (model.endpointsOf(e.getKey()).stream().noneMatch(n -> n.ip().equals(ep.ip()) && n.port() == ep.port())) gone.add(ep);
      if (!gone.isEmpty()) removed.put(e.getKey(), gone);
    }
    applied = model;
    syncs.add(new Call(t, model, full));
    return new SyncResult(full, model.services().size(), 3 * model.services().size(), Duration.ofNanos(System.nanoTime() - t), removed);
  }

  @Override
  public synchronized void invalidate() {
    invalidations.incrementAndGet();
    invalid = true;
  }

  @Override
  public void removeAll() {
    removeAlls.incrementAndGet();
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }

  Call last() {
    return syncs.isEmpty() ? null : syncs.getLast();
  }
}
