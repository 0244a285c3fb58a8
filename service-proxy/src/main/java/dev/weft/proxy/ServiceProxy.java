package dev.weft.proxy;

import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.store.ClusterStore;
import dev.weft.store.StoreException;
import dev.weft.store.Watch;
import dev.weft.store.WatchEvent;
import dev.weft.store.WatchHandler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The proxy's controller: keeps the cluster's Services and EndpointSlices (two informer watches on
 * the {@link ClusterStore}) and makes the backend match them. Level-triggered: whatever changed,
 * it rebuilds the whole {@link ProxyModel} with {@link ModelTranslator} and hands it to
 * {@link ProxyBackend#sync}, which writes only what differs.
 *
 * <ul>
 *   <li>Nothing is synced before both watches have delivered their first list: a restarted agent
 *       must not program "every service has no endpoints" for a moment.
 *   <li>Bounded frequency (kube-proxy's BoundedFrequencyRunner): a change is synced at once if the
 *       last sync started at least {@code minSyncInterval} ago, else when that interval ends, so a
 *       burst of changes costs one sync per interval and the last state always gets synced.
 *   <li>Every {@code resyncPeriod} the backend is {@link ProxyBackend#invalidate invalidated} and
 *       synced in full, repairing anything changed behind its back.
 *   <li>A failed sync leaves the previous rules (syncs are atomic), is counted and retried with
 *       exponential backoff, always with the latest state.
 *   <li>After each sync the UDP endpoints that went away get their conntrack entries cleared, and
 *       the health check servers follow the model.
 *   <li>Closing stops the watches and the loop but leaves the rules: a restarted agent finds them
 *       right and the backend decides whether anything needs writing.
 * </ul>
 */
public final class ServiceProxy implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ServiceProxy.class.getName());

  /**
   * Clears the conntrack entries a sync made stale: those of UDP endpoints that are gone
   * ({@link SyncResult#removedUdpEndpoints}) and of UDP services that just got endpoints — in the
   * agent, {@code ConntrackCleaner#afterSync}. Called after every successful sync.
   */
  @FunctionalInterface
  public interface ConntrackCleanup {
    /** @param previous the model of the previous successful sync (null before the first) */
    void afterSync(SyncResult result, ProxyModel previous, ProxyModel current);
  }

  private final ClusterStore store;
  private final ProxyBackend backend;
  private final List<ProxyBackend> cleanUp;
  private final NodeContext node;
  private final ProxyMetrics metrics;
  private final HealthCheckServer healthChecks;
  private final ConntrackCleanup conntrackCleanup;
  private final Consumer<String> log;
  private final long minIntervalNanos, resyncNanos, initialBackoffNanos, maxBackoffNanos;

  private final Map<String, Service> services = new ConcurrentHashMap<>();
  private final Map<String, EndpointSlice> slices = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean dirty = true, fullPending, closing, servicesListed, slicesListed;
  private final List<Watch> watches = new ArrayList<>();
  private Thread thread;

  private volatile ProxyModel lastModel;
  private volatile SyncResult lastResult;
  private volatile long failingSinceNanos; // 0 = the last sync worked (or none has run)
  private volatile int syncCount;

  private ServiceProxy(Builder b) {
    this.store = Objects.requireNonNull(b.store, "store");
    this.backend = Objects.requireNonNull(b.backend, "backend");
    this.node = Objects.requireNonNull(b.node, "node");
    this.cleanUp = List.copyOf(b.cleanUp);
    this.metrics = b.metrics;
    this.healthChecks = b.healthChecks;
    this.conntrackCleanup = b.conntrackCleanup;
    this.log = b.log != null ? b.log : s -> LOG.log(System.Logger.Level.INFO, s);
    this.minIntervalNanos = b.minSyncInterval.toNanos();
    this.resyncNanos = b.resyncPeriod.toNanos();
    this.initialBackoffNanos = b.initialBackoff.toNanos();
    this.maxBackoffNanos = Math.max(b.maxBackoff.toNanos(), initialBackoffNanos);
  }

  public static Builder builder(ClusterStore store, ProxyBackend backend, NodeContext node) {
    return new Builder(store, backend, node);
  }

  /** Options; defaults: 20 ms minimum interval, 30 s resync, backoff 250 ms doubling to 10 s. */
  public static final class Builder {
    private final ClusterStore store;
    private final ProxyBackend backend;
    private final NodeContext node;
    private final List<ProxyBackend> cleanUp = new ArrayList<>();
    private ProxyMetrics metrics;
    private HealthCheckServer healthChecks;
    private ConntrackCleanup conntrackCleanup;
    private Consumer<String> log;
    private Duration minSyncInterval = Duration.ofMillis(20), resyncPeriod = Duration.ofSeconds(30),
        initialBackoff = Duration.ofMillis(250), maxBackoff = Duration.ofSeconds(10);

    private Builder(ClusterStore store, ProxyBackend backend, NodeContext node) {
      this.store = store;
      this.backend = backend;
      this.node = node;
    }

    /** Syncs start at least this far apart; changes in between are coalesced. */
    public Builder minSyncInterval(Duration d) {
      this.minSyncInterval = requirePositive(d, "minSyncInterval", true);
      return this;
    }

    /** Period of the full resync (invalidate + sync). */
    public Builder resyncPeriod(Duration d) {
      this.resyncPeriod = requirePositive(d, "resyncPeriod", false);
      return this;
    }

    /** Retry delay after a failed sync: {@code initial}, doubling up to {@code max}. */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = requirePositive(initial, "initial backoff", false);
      this.maxBackoff = requirePositive(max, "max backoff", false);
      return this;
    }

    /** A backend whose rules are removed on start (the one not in use, when switching). */
    public Builder cleanUp(ProxyBackend other) {
      if (other != null) cleanUp.add(other);
      return this;
    }

    public Builder metrics(ProxyMetrics m) {
      this.metrics = m;
      return this;
    }

    /** Health check servers to keep in step with the model (the proxy closes them). */
    public Builder healthChecks(HealthCheckServer h) {
      this.healthChecks = h;
      return this;
    }

    /** What clears stale UDP conntrack entries after each sync (none: they live until they time out). */
    public Builder conntrackCleanup(ConntrackCleanup c) {
      this.conntrackCleanup = c;
      return this;
    }

    public Builder log(Consumer<String> l) {
      this.log = l;
      return this;
    }

    public ServiceProxy build() {
      return new ServiceProxy(this);
    }

    private static Duration requirePositive(Duration d, String what, boolean zeroOk) {
      if (d == null || d.isNegative() || (!zeroOk && d.isZero())) throw new IllegalArgumentException(what + " must be positive: " + d);
      return d;
    }
  }

  /** Cleans the other backend's rules, opens the watches and starts syncing (in the background). */
  public void start() {
    lock.lock();
    try {
      if (thread != null) throw new IllegalStateException("already started");
      thread = Thread.ofPlatform().daemon().name("weft-proxy-" + backend.name()).unstarted(this::run);
    } finally {
      lock.unlock();
    }
    thread.start();
  }

  private void run() {
    for (ProxyBackend other : cleanUp) {
      try {
        other.removeAll();
        log.accept("proxy: removed any " + other.name() + " rules (using " + backend.name() + ")");
      } catch (RuntimeException e) {
        log.accept("proxy: removing " + other.name() + " rules failed: " + e.getMessage());
      }
    }
    if (!openWatches()) return;
    loop();
  }

  /** Both watches; retried with backoff while the store does not answer. False when closing. */
  private boolean openWatches() {
    long backoff = initialBackoffNanos;
    while (true) {
      try {
        Watch s = store.watch(Service.class, null, new Handler<>(services, () -> servicesListed = true, false));
        keep(s);
        Watch e = store.watch(EndpointSlice.class, null, new Handler<>(slices, () -> slicesListed = true, true));
        keep(e);
        return !isClosing();
      } catch (StoreException | IllegalStateException e) {
        closeWatches();
        if (isClosing()) return false;
        log.accept("proxy: cannot watch services: " + e.getMessage() + " (retrying)");
        if (await(backoff)) return false;
        backoff = Math.min(backoff * 2, maxBackoffNanos);
      }
    }
  }

  private void keep(Watch w) {
    lock.lock();
    try {
      if (closing) {
        w.close();
        throw new IllegalStateException("closing");
      }
      watches.add(w);
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    long lastStart = System.nanoTime() - minIntervalNanos;
    long nextResync = System.nanoTime() + resyncNanos;
    long retryAt = 0, backoff = initialBackoffNanos;
    while (true) {
      boolean full;
      lock.lock();
      try {
        while (true) {
          if (closing) return;
          if (!(servicesListed && slicesListed)) {
            wake.await(); // nothing before the first lists: see the class comment
            continue;
          }
          long now = System.nanoTime();
          if (now - nextResync >= 0) fullPending = true;
          boolean pending = dirty || fullPending;
          long earliest = lastStart + minIntervalNanos;
          if (retryAt != 0 && retryAt - earliest > 0) earliest = retryAt;
          if (pending && now - earliest >= 0) break;
          long until = pending ? earliest : nextResync;
          wake.awaitNanos(Math.max(until - now, 1));
        }
        dirty = false;
        full = fullPending;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      lastStart = System.nanoTime();
      if (full) nextResync = lastStart + resyncNanos;
      if (syncOnce(full)) {
        retryAt = 0;
        backoff = initialBackoffNanos;
      } else {
        retryAt = System.nanoTime() + backoff;
        backoff = Math.min(backoff * 2, maxBackoffNanos);
        lock.lock();
        try {
          dirty = true; // try again, with whatever the state is by then
        } finally {
          lock.unlock();
        }
      }
    }
  }

  /** One level-triggered pass. True when the kernel now matches (or nothing needed doing). */
  private boolean syncOnce(boolean full) {
    ProxyModel model = ModelTranslator.translate(List.copyOf(services.values()), List.copyOf(slices.values()));
    if (!full && failingSinceNanos == 0 && model.equals(lastModel)) return true; // e.g. an unrelated slice field changed
    SyncResult r;
    try {
      if (full) backend.invalidate();
      r = backend.sync(model, node);
    } catch (RuntimeException e) {
      if (failingSinceNanos == 0) failingSinceNanos = System.nanoTime();
      if (metrics != null) metrics.syncFailed();
      log.accept("proxy: " + backend.name() + " sync failed: " + e.getMessage() + " (retrying)");
      LOG.log(System.Logger.Level.DEBUG, "sync failed", e);
      updateHealthChecks(model);
      return false;
    }
    lock.lock();
    try {
      if (full) fullPending = false;
    } finally {
      lock.unlock();
    }
    failingSinceNanos = 0;
    ProxyModel previous = lastModel;
    lastModel = model;
    lastResult = r;
    syncCount++;
    if (metrics != null) metrics.synced(r, model.services().size());
    if (r.full() || r.servicesWritten() > 0)
      log.accept("proxy: " + backend.name() + (r.full() ? " full" : " partial") + " sync, " + model.services().size()
          + " service ports, " + r.servicesWritten() + " written, " + r.rulesWritten() + " rules/elements in "
          + r.duration().toMillis() + " ms");
    clearConntrack(r, previous, model);
    updateHealthChecks(model);
    return true;
  }

  private void clearConntrack(SyncResult r, ProxyModel previous, ProxyModel current) {
    if (conntrackCleanup == null) {
      if (r.removedUdpEndpoints() != null && !r.removedUdpEndpoints().isEmpty())
        log.accept("proxy: stale UDP conntrack entries not cleared (no cleaner): " + r.removedUdpEndpoints().keySet());
      return;
    }
    try {
      conntrackCleanup.afterSync(r, previous, current);
    } catch (RuntimeException e) {
      log.accept("proxy: clearing UDP conntrack entries failed: " + e.getMessage());
    }
  }

  private void updateHealthChecks(ProxyModel model) {
    if (healthChecks == null) return;
    try {
      healthChecks.update(model, node.nodeName());
    } catch (RuntimeException e) {
      log.accept("proxy: health check servers: " + e.getMessage());
    }
  }

  private void changed() {
    lock.lock();
    try {
      dirty = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Sleeps; true when closing. */
  private boolean await(long nanos) {
    lock.lock();
    try {
      while (!closing && nanos > 0) nanos = wake.awaitNanos(nanos);
      return closing;
    } catch (InterruptedException e) {
      return true;
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosing() {
    lock.lock();
    try {
      return closing;
    } finally {
      lock.unlock();
    }
  }

  /** Forces a full resync soon (e.g. when the agent suspects drift). */
  public void resyncNow() {
    lock.lock();
    try {
      fullPending = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * False while syncs have kept failing for longer than the resync period (or 30 s, whichever is
   * longer): the health checks then answer 503 and the agent's {@code /healthz} can say so.
   */
  public boolean healthy() {
    long since = failingSinceNanos;
    return since == 0 || System.nanoTime() - since < Math.max(resyncNanos, TimeUnit.SECONDS.toNanos(30));
  }

  /** The model of the last successful sync (null before the first). */
  public ProxyModel lastModel() {
    return lastModel;
  }

  /** The result of the last successful sync (null before the first). */
  public SyncResult lastResult() {
    return lastResult;
  }

  /** Successful syncs so far. */
  public int syncCount() {
    return syncCount;
  }

  public String backendName() {
    return backend.name();
  }

  /**
   * Stops watching and syncing; the rules stay as they are (see the class comment). Closes the
   * backends and the health check servers.
   */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      closing = true;
      wake.signalAll();
      t = thread;
    } finally {
      lock.unlock();
    }
    closeWatches();
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (healthChecks != null) healthChecks.close();
    for (ProxyBackend b : cleanUp) closeQuietly(b);
    closeQuietly(backend);
  }

  private void closeWatches() {
    List<Watch> ws;
    lock.lock();
    try {
      ws = new ArrayList<>(watches);
      watches.clear();
    } finally {
      lock.unlock();
    }
    for (Watch w : ws) {
      try {
        w.close();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing watch", e);
      }
    }
  }

  private void closeQuietly(ProxyBackend b) {
    try {
      b.close();
    } catch (Exception e) {
      log.accept("proxy: closing " + b.name() + ": " + e.getMessage());
    }
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  /** Keeps the latest object per key; every event marks the state dirty. */
  private final class Handler<T extends HasMetadata> implements WatchHandler<T> {
    private final Map<String, T> into;
    private final Runnable listed;
    private final boolean endpoints;

    Handler(Map<String, T> into, Runnable listed, boolean endpoints) {
      this.into = into;
      this.listed = listed;
      this.endpoints = endpoints;
    }

    @Override
    public void onEvent(WatchEvent<T> e) {
      if (e.type() == WatchEvent.Type.DELETED) into.remove(key(e.object()));
      else into.put(key(e.object()), e.object());
      if (endpoints && metrics != null) metrics.endpointChanged();
      changed();
    }

    @Override
    public void onSynced() {
      lock.lock();
      try {
        listed.run();
        dirty = true;
        wake.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onInterrupted(StoreException cause) {
      log.accept("proxy: watch interrupted: " + cause.getMessage() + " (it resumes by itself)");
    }
  }
}
