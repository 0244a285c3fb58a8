package dev.weft.proxy.nft;

import dev.weft.proxy.ProxyBackend;
import dev.weft.proxy.SyncResult;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePortName;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The nftables backend: one table {@code ip weft_proxy}, written with one {@code nft -f -}
 * transaction per sync. The first sync (and any after {@link #invalidate}, a node change or a
 * failed update) replaces the whole table; later ones write only the service ports whose
 * definition or endpoints changed. An update that the kernel refuses — the table was flushed or
 * deleted behind weft's back (the canary element is gone), or a chain it expects is missing — is
 * followed at once, in the same sync, by a full one. Rule text comes from {@link NftRules} (pure).
 * Thread-safe: syncs are serialised.
 */
public final class NftProxyBackend implements ProxyBackend {
  private static final System.Logger LOG = System.getLogger(NftProxyBackend.class.getName());

  private final NftRunner nft;
  private NftRules.State state;
  private boolean forceFull;
  private long canaryHandle, maxHandle;
  private volatile String lastScript = "";

  /** @param netns the namespace to program (a /run/netns path), null for the current one */
  public NftProxyBackend(Path netns) {
    this.nft = new NftRunner(netns);
  }

  @Override
  public String name() {
    return "nftables";
  }

  @Override
  public synchronized SyncResult sync(ProxyModel model, NodeContext node) {
    long t0 = System.nanoTime();
    NftRules.Plan plan = forceFull || state == null ? NftRules.full(model, node) : NftRules.update(state, model, node, canaryHandle);
    try {
      nft.apply(plan.script().text());
    } catch (NftException e) {
      if (plan.full()) throw e;
      LOG.log(Level.WARNING, "nftables update refused, writing the whole table: {0}", e.getMessage());
      plan = NftRules.full(model, node);
      nft.apply(plan.script().text());
    }
    lastScript = plan.script().text();
    if (plan.full()) {
      canaryHandle = maxHandle = readCanaryHandle();
    } else {
      canaryHandle = maxHandle + 1; // the canary rule was re-added first
      maxHandle = canaryHandle + plan.script().allocations();
    }
    Map<ServicePortName, List<Endpoint>> removed = NftRules.removedUdpEndpoints(state, model, node);
    state = plan.next();
    forceFull = false;
    NftScript.Script s = plan.script();
    return new SyncResult(plan.full(), s.services(), s.written(), Duration.ofNanos(System.nanoTime() - t0), removed);
  }

  /** The handle of the canary rule, read after a full sync; 0 (next sync full) when unreadable. */
  private long readCanaryHandle() {
    NftRunner.Result r = nft.exec(null, "nft", "-a", "list", "chain", NftScript.FAMILY, NftScript.TABLE, NftScript.CANARY);
    if (r.exit() != 0) return 0;
    int at = r.out().lastIndexOf("# handle "); // the rule's, after the chain's
    if (at < 0) return 0;
    int end = at + 9;
    while (end < r.out().length() && Character.isDigit(r.out().charAt(end))) end++;
    try {
      return Long.parseLong(r.out().substring(at + 9, end));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  @Override
  public synchronized void invalidate() {
    forceFull = true;
  }

  @Override
  public synchronized void removeAll() {
    nft.apply(NftScript.removeAll());
    state = null;
    canaryHandle = maxHandle = 0;
    lastScript = "";
  }

  /** The text of the last transaction applied (for debugging and tests). */
  public String lastScript() {
    return lastScript;
  }
}
