package dev.weft.agent;

import dev.weft.agent.fastpath.CniFastPath;
import dev.weft.agent.lease.Cidr;
import dev.weft.agent.lease.NodeIdentity;
import dev.weft.agent.lease.StoreSubnetLeases;
import dev.weft.agent.lease.SubnetLease;
import dev.weft.agent.lease.SubnetLeaseConfig;
import dev.weft.agent.lease.SubnetLeases;
import dev.weft.agent.overlay.EgressMasquerade;
import dev.weft.agent.overlay.OverlayConfig;
import dev.weft.agent.overlay.OverlayReconciler;
import dev.weft.agent.overlay.ReconcileReport;
import dev.weft.agent.overlay.VxlanDevice;
import dev.weft.proxy.ConntrackCleaner;
import dev.weft.proxy.HealthCheckServer;
import dev.weft.proxy.ProxyBackends;
import dev.weft.proxy.ProxyMetrics;
import dev.weft.proxy.ServiceProxy;
import dev.weft.proxy.model.NodeContext;
import dev.weft.store.ClusterStore;
import dev.weft.store.ClusterStores;
import dev.weft.store.StoreConfig;
import dev.weft.store.StoreException;
import dev.weft.store.Watch;
import dev.weft.store.WatchEvent;
import dev.weft.store.WatchHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One node's agent. Start-up: datastore, subnet lease, VXLAN device and peers, egress NAT, CNI
 * config, fast path; then the service proxy ({@code --proxy}). Then a level-triggered loop: every lease change and every resync period,
 * compare what the kernel has with what the cluster says and repair the difference. Stopping
 * (SIGTERM) leaves the kernel and the lease as they are: a restarted agent finds them right and
 * changes nothing, so pods never notice; a node that stays away loses its lease after the TTL.
 */
public final class WeftAgent implements AutoCloseable {
  private final AgentConfig cfg;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer reconcileTimer;
  private final Counter reconcileErrors, reconcileWrites;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean dirty = true, stopping;
  private volatile String notReady = "starting";
  /** Why the lease watch is not following the datastore (null while it is): the node keeps working, but is not ready. */
  private volatile String watchDown;
  private volatile long lastLoopNanos = System.nanoTime();
  private final PeerSet peers;
  private AgentHttp http;
  private ClusterStore store;
  private SubnetLeases leases;
  private Watch leaseWatch;
  private OverlayReconciler overlay;
  private EgressMasquerade egress;
  private CniFastPath fastPath;
  private OverlayConfig overlayConfig;
  private Underlay underlay;
  private volatile ServiceProxy proxy;

  public WeftAgent(AgentConfig cfg) {
    this.cfg = cfg;
    this.peers = new PeerSet(cfg.nodeName());
    this.reconcileTimer = Timer.builder("weft_overlay_reconcile_duration").description("one overlay reconcile")
        .publishPercentileHistogram().register(metrics);
    this.reconcileErrors = Counter.builder("weft_overlay_reconcile_errors").description("failed reconciles or writes").register(metrics);
    this.reconcileWrites = Counter.builder("weft_overlay_kernel_writes").description("route/neigh/fdb writes made by reconciles").register(metrics);
    Gauge.builder("weft_overlay_peers", () -> peers.peers().size()).description("other nodes in the overlay").register(metrics);
    Gauge.builder("weft_agent_ready", () -> readiness() == null ? 1 : 0).description("1 when ready").register(metrics);
    Gauge.builder("weft_agent_datastore_watching", () -> watchDown == null ? 1 : 0)
        .description("1 while the lease watch follows the datastore, 0 while it is cut off and re-listing").register(metrics);
  }

  /** Starts everything and runs the reconcile loop until {@link #stop}. */
  public void run() throws Exception {
    http = new AgentHttp(cfg.httpListen(), metrics, this::healthy, this::readiness);
    underlay = Underlay.read(cfg.underlayInterface(), cfg.underlayIp());
    AgentLog.info("node " + cfg.nodeName() + ": underlay " + underlay.interfaceName() + " " + underlay.ip().getHostAddress()
        + " mtu " + underlay.mtu());
    store = connectStore();
    SubnetLease lease = acquireLease();
    overlayConfig = new OverlayConfig(cfg.nodeName(), OverlayConfig.DEFAULT_DEVICE, cfg.vni(), cfg.vxlanPort(),
        cfg.underlayInterface(), underlay.ip(), lease.subnet().toIpPrefix(), cfg.clusterCidr(), 0);
    overlay = new OverlayReconciler(null, overlayConfig);
    egress = new EgressMasquerade(null, overlayConfig);
    // the peers must be known before the first reconcile: reconciling against an empty set would
    // remove every route of a node that is merely restarting
    leases.all().forEach(l -> peers.apply(new WatchEvent<>(WatchEvent.Type.ADDED, l)));
    leaseWatch = leases.watch(new LeaseEvents());
    reconcile(true);
    CniConflist.write(cfg.conflistPath(), CniConflist.render(cfg, overlayConfig.podCidr(), overlayConfig.mtuFor(underlay.mtu())));
    fastPath = new CniFastPath(cfg.cniSocket(), null, AgentLog::info);
    fastPath.start();
    Gauge.builder("weft_cni_fastpath_requests", fastPath, CniFastPath::served).description("CNI calls served in-process")
        .register(metrics);
    notReady = null;
    AgentLog.info("ready: pod CIDR " + overlayConfig.podCidr() + ", CNI config " + cfg.conflistPath());
    startProxy();
    loop();
  }

  /**
   * Services as NAT rules, in this node's namespace (the agent runs inside it: netns null). The
   * other backend's rules are removed first (switching backends); stopping leaves the rules.
   */
  private void startProxy() {
    if (cfg.proxy().equals("none")) return;
    var node = new NodeContext(cfg.nodeName(), List.of(underlay.ip()), cfg.clusterCidr(), overlayConfig.podCidr());
    var conntrack = new ConntrackCleaner(null);
    ServiceProxy p = ServiceProxy.builder(store, ProxyBackends.create(cfg.proxy(), null), node)
        .cleanUp(ProxyBackends.other(cfg.proxy(), null))
        .resyncPeriod(cfg.proxyResync())
        .metrics(new ProxyMetrics(metrics))
        .healthChecks(new HealthCheckServer(node.nodeIps(), () -> proxy == null || proxy.healthy(), AgentLog::info))
        .conntrackCleanup((r, previous, current) -> conntrack.afterSync(r, previous, current, node.nodeName()))
        .log(AgentLog::info)
        .build();
    proxy = p;
    p.start();
    AgentLog.info("service proxy: " + cfg.proxy() + ", full resync every " + cfg.proxyResync().toSeconds() + "s");
  }

  private ClusterStore connectStore() throws InterruptedException {
    StoreConfig sc = cfg.datastore().equals("etcd") ? StoreConfig.etcd(cfg.etcdEndpoints(), cfg.etcdPrefix())
        : StoreConfig.kubernetes(cfg.kubeconfig());
    for (long backoff = 250; ; backoff = Math.min(backoff * 2, 5000)) {
      try {
        ClusterStore s = ClusterStores.open(sc);
        s.list(io.fabric8.kubernetes.api.model.Node.class, null); // proves the store answers
        return s;
      } catch (StoreException e) {
        notReady = "datastore unreachable: " + e.getMessage();
        AgentLog.warn(notReady + " (retrying)");
        if (sleepUnlessStopping(backoff)) throw new InterruptedException("stopped");
      }
    }
  }

  private SubnetLease acquireLease() throws InterruptedException {
    var leaseCfg = new SubnetLeaseConfig(Cidr.parse(cfg.clusterCidr().toString()), cfg.nodePrefixLength(), cfg.leaseTtl(),
        cfg.stateDir().resolve("subnet.json"), SubnetLeaseConfig.DEFAULT_NAMESPACE);
    leases = new StoreSubnetLeases(store, leaseCfg);
    var identity = new NodeIdentity(underlay.ip().getHostAddress(), VxlanDevice.vtepMac(cfg.nodeName()).toString());
    leases.onReacquired(l -> {
      AgentLog.warn("subnet lease was lost and re-acquired: " + l.subnet());
      trigger();
    });
    for (long backoff = 500; ; backoff = Math.min(backoff * 2, 5000)) {
      try {
        SubnetLease l = leases.acquire(cfg.nodeName(), identity);
        AgentLog.info("holding subnet " + l.subnet());
        return l;
      } catch (StoreException e) {
        notReady = "no subnet lease: " + e.getMessage();
        AgentLog.warn(notReady + " (retrying)");
        if (sleepUnlessStopping(backoff)) throw new InterruptedException("stopped");
      }
    }
  }

  /** Level-triggered: whatever woke us, reconcile the whole desired state. */
  private void loop() {
    long nextResync = System.nanoTime() + cfg.resync().toNanos();
    while (true) {
      boolean resync;
      lock.lock();
      try {
        long waitNanos = nextResync - System.nanoTime();
        while (!dirty && !stopping && waitNanos > 0) waitNanos = wake.awaitNanos(waitNanos);
        if (stopping) return;
        dirty = false;
        resync = System.nanoTime() >= nextResync;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      if (resync) nextResync = System.nanoTime() + cfg.resync().toNanos();
      reconcile(resync);
    }
  }

  /** The overlay on every turn; the egress table (an nft process to check) on start and resync. */
  private void reconcile(boolean full) {
    lastLoopNanos = System.nanoTime();
    try {
      ReconcileReport report = reconcileTimer.recordCallable(() -> overlay.reconcile(peers.peers()));
      reconcileWrites.increment(report.writes());
      if (!report.ok()) reconcileErrors.increment(report.failures().size() + report.rejected().size());
      if (report.writes() > 0 || !report.ok()) AgentLog.info("reconcile: " + report);
      if (full) egress.reconcile();
    } catch (Exception e) {
      reconcileErrors.increment();
      AgentLog.warn("reconcile failed: " + e.getMessage());
      trigger(); // level-triggered: try again on the next turn
      sleepUnlessStopping(1000);
    }
  }

  void trigger() {
    lock.lock();
    try {
      dirty = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean healthy() {
    // alive while the loop turns at least once per two resync periods (plus start-up grace), and
    // the service proxy's syncs are not failing for long
    ServiceProxy p = proxy;
    return notReady != null || (System.nanoTime() - lastLoopNanos < 2 * cfg.resync().toNanos() + TimeUnit.SECONDS.toNanos(30)
        && (p == null || p.healthy()));
  }

  /** Returns true when stopping. */
  private boolean sleepUnlessStopping(long millis) {
    lock.lock();
    try {
      long n = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!stopping && n > 0) n = wake.awaitNanos(n);
      return stopping;
    } catch (InterruptedException e) {
      return true;
    } finally {
      lock.unlock();
    }
  }

  public void stop() {
    lock.lock();
    try {
      stopping = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Stops serving; leaves the kernel state and the subnet lease in place (see the class comment). */
  @Override
  public void close() {
    stop();
    closeQuietly(fastPath);
    closeQuietly(proxy); // stops syncing; the rules stay
    closeQuietly(leaseWatch);
    closeQuietly(leases); // stops renewing without releasing
    closeQuietly(overlay);
    closeQuietly(store);
    closeQuietly(http);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (Exception e) {
      AgentLog.warn("closing " + c.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * Null when ready; else why not: starting, no lease, or the datastore watch cut off (the data plane keeps working
   * then, but joins and leaves elsewhere go unseen, so the node is reported not ready — liveness stays up).
   */
  private String readiness() {
    String n = notReady;
    return n != null ? n : watchDown;
  }

  private final class LeaseEvents implements WatchHandler<SubnetLease> {
    @Override
    public void onEvent(WatchEvent<SubnetLease> e) {
      peers.apply(e);
      trigger();
    }

    @Override
    public void onInterrupted(StoreException cause) {
      watchDown = "datastore watch interrupted at " + java.time.Instant.now() + ": " + cause.getMessage();
      AgentLog.warn("lease watch interrupted: " + cause.getMessage() + " (it resumes by itself)");
    }

    @Override
    public void onSynced() {
      if (watchDown != null) AgentLog.info("lease watch following the datastore again");
      watchDown = null;
    }
  }

}
