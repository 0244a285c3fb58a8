package dev.weft.agent.overlay;

import dev.weft.kernel.FdbEntry;
import dev.weft.kernel.KernelException;
import dev.weft.kernel.LibC;
import dev.weft.kernel.Neighbour;
import dev.weft.kernel.Route;
import dev.weft.kernel.Rtnl;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Keeps one node's overlay as desired, level-triggered: each {@link #reconcile} reads the kernel
 * (device, sysctls, routes, neighbours, FDB), compares with the desired peers, and writes only the
 * difference ({@link OverlayPlan}). Call it on every change of the peer set and periodically; a
 * reconcile with nothing to do makes no write. Nothing is ever flushed: a new reconciler (a
 * restarted agent) facing an already-correct kernel changes nothing, so established connections
 * between pods never see their route, neighbour or FDB entry disappear.
 *
 * <p>A failed write does not stop the others; it is listed in the report and retried by the next
 * reconcile. Only a failure to read the kernel or to set up the device throws.
 */
public final class OverlayReconciler implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(OverlayReconciler.class.getName());

  private final Path netns;
  private final OverlayConfig config;
  private final Rtnl rtnl;
  private final boolean ownsRtnl;
  private final VxlanDevice device;

  /** Programs the namespace {@code netns} (null = the calling thread's); opens its own netlink socket there. */
  public OverlayReconciler(Path netns, OverlayConfig config) {
    this(netns, netns == null ? Rtnl.open() : Rtnl.openIn(netns), true, config);
  }

  /** Programs the namespace {@code rtnl} belongs to, which must be {@code netns} (for the sysctls); {@code rtnl} stays the caller's. */
  public OverlayReconciler(Path netns, Rtnl rtnl, OverlayConfig config) {
    this(netns, rtnl, false, config);
  }

  private OverlayReconciler(Path netns, Rtnl rtnl, boolean ownsRtnl, OverlayConfig config) {
    this.netns = netns;
    this.config = Objects.requireNonNull(config, "config");
    this.rtnl = rtnl;
    this.ownsRtnl = ownsRtnl;
    this.device = new VxlanDevice(rtnl, config);
  }

  public OverlayConfig config() {
    return config;
  }

  /** This node as its peers must program it. */
  public OverlayPeer self() {
    return device.self();
  }

  /** Makes the kernel match {@code desired} (this node may be in it; it is skipped). */
  public synchronized ReconcileReport reconcile(Set<OverlayPeer> desired) {
    long start = System.nanoTime();
    VxlanDevice.State dev = device.ensure();
    List<String> setup = new ArrayList<>(dev.changes());
    setup.addAll(NodeSysctls.apply(netns, config.deviceName()));

    List<Route> routes = rtnl.routes(LibC.AF_INET, Route.TABLE_MAIN);
    List<Neighbour> neighbours = rtnl.neighbours(dev.ifindex(), LibC.AF_INET);
    List<FdbEntry> fdb = rtnl.fdb(dev.ifindex());
    OverlayPlan.Result plan = OverlayPlan.plan(config, dev.ifindex(), desired, routes, neighbours, fdb);

    int added = 0, changed = 0, removed = 0;
    List<String> failures = new ArrayList<>();
    for (KernelOp op : plan.ops()) {
      try {
        op.apply(rtnl);
      } catch (KernelException e) {
        failures.add(op + ": " + e.getMessage());
        LOG.log(Level.WARNING, "overlay {0}: {1}", config.deviceName(), e.getMessage());
        continue;
      }
      LOG.log(Level.INFO, "overlay {0}: {1}", config.deviceName(), op);
      switch (op.kind()) {
        case ADD -> added++;
        case CHANGE -> changed++;
        case REMOVE -> removed++;
      }
    }
    for (String s : setup) LOG.log(Level.INFO, "overlay {0}: {1}", config.deviceName(), s);
    for (String r : plan.rejected()) LOG.log(Level.WARNING, "overlay {0}: peer rejected: {1}", config.deviceName(), r);
    return new ReconcileReport(plan.peers().size(), added, changed, removed, List.copyOf(setup), List.copyOf(failures),
        plan.rejected(), Duration.ofNanos(System.nanoTime() - start));
  }

  @Override
  public void close() {
    if (ownsRtnl) rtnl.close();
  }
}
