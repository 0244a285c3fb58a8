package dev.weft.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy's Prometheus metrics (kube-proxy's {@code kubeproxy_sync_proxy_rules_*} family),
 * registered on the agent's registry:
 *
 * <pre>
 * weft_proxy_sync_duration_seconds{kind="full"|"partial"}   histogram, buckets 1 ms × 2^0..14
 * weft_proxy_rules_programmed                               rules + set/map elements of the last sync
 * weft_proxy_services                                       service ports in the last model
 * weft_proxy_last_sync_timestamp_seconds                    wall clock of the last successful sync
 * weft_proxy_sync_errors_total                              failed syncs
 * weft_proxy_endpoint_changes_total                         EndpointSlice events seen
 * </pre>
 */
public final class ProxyMetrics {
  /** kube-proxy's buckets: 1 ms doubling fifteen times (up to ~16 s). */
  static final Duration[] BUCKETS = new Duration[15];

  static {
    for (int i = 0; i < BUCKETS.length; i++) BUCKETS[i] = Duration.ofMillis(1L << i);
  }

  private final Timer full, partial;
  private final Counter errors, endpointChanges;
  private final AtomicLong rules = new AtomicLong(), services = new AtomicLong(), lastSyncMillis = new AtomicLong();

  public ProxyMetrics(MeterRegistry registry) {
    full = timer(registry, "full");
    partial = timer(registry, "partial");
    errors = Counter.builder("weft_proxy_sync_errors").description("syncs that failed (rules left as they were)").register(registry);
    endpointChanges = Counter.builder("weft_proxy_endpoint_changes").description("EndpointSlice additions, updates and deletions seen")
        .register(registry);
    Gauge.builder("weft_proxy_rules_programmed", rules, AtomicLong::get)
        .description("rules plus set and map elements written by the last sync").register(registry);
    Gauge.builder("weft_proxy_services", services, AtomicLong::get).description("service ports in the proxy's model").register(registry);
    Gauge.builder("weft_proxy_last_sync_timestamp", lastSyncMillis, a -> a.get() / 1000.0).baseUnit("seconds")
        .description("when the last successful sync finished (Unix time)").register(registry);
  }

  private static Timer timer(MeterRegistry registry, String kind) {
    return Timer.builder("weft_proxy_sync_duration").description("time to program the rules, full or changed services only")
        .tag("kind", kind).serviceLevelObjectives(BUCKETS).minimumExpectedValue(BUCKETS[0])
        .maximumExpectedValue(BUCKETS[BUCKETS.length - 1]).register(registry);
  }

  /** A successful sync of a model with {@code servicePorts} service ports. */
  public void synced(SyncResult r, int servicePorts) {
    (r.full() ? full : partial).record(r.duration());
    rules.set(r.rulesWritten());
    services.set(servicePorts);
    lastSyncMillis.set(System.currentTimeMillis());
  }

  public void syncFailed() {
    errors.increment();
  }

  public void endpointChanged() {
    endpointChanges.increment();
  }

  /** Test and diagnostics view. */
  public long syncErrors() {
    return (long) errors.count();
  }

  public long syncs(boolean fullSyncs) {
    return (fullSyncs ? full : partial).count();
  }
}
