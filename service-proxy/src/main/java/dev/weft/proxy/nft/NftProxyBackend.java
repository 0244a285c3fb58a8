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
 * transaction per sync. Later syncs write only the service ports whose definition or endpoints
 * changed, and nothing at all when none did. Rule text comes from {@link NftRules} (pure).
 *
 * <p>The first sync (a restarted agent) does not rewrite a table that is already right: it reads
 * the table's {@code sync-state} element and checks the canary rule with {@code nft -c} (nothing is
 * written, {@code nft monitor} sees nothing); when the digest matches what it would write, it
 * adopts the table. {@link #invalidate} (the controller's periodic resync) makes the next sync do
 * the same check against what this backend wrote last: a table as it was left is kept as it is
 * (sessionAffinity state included), and only real drift — the table or its canary rule deleted,
 * flushed, or another writer's sync state — leads to a full rewrite. An update that the kernel
 * refuses (the canary rule is gone, a chain it expects is missing) is followed at once, in the
 * same sync, by a full one. Thread-safe: syncs are serialised.
 */
public final class NftProxyBackend implements ProxyBackend {
  private static final System.Logger LOG = System.getLogger(NftProxyBackend.class.getName());

  private final NftRunner nft;
  private NftRules.State state;
  private boolean verify;
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
    NftRules.Plan plan = null;
    if (state == null || !state.node().equals(node)) {
      NftRules.Plan full = NftRules.full(model, node);
      NftScript.SyncState kernel = readSyncState();
      if (kernel != null && kernel.digest() == full.next().digest() && canaryPresent(kernel)) {
        LOG.log(Level.INFO, "nftables table already matches ({0} service ports): adopted, nothing written", full.next().entries().size());
        state = full.next().adopt(kernel);
        verify = false;
        lastScript = "";
        return new SyncResult(false, 0, 0, Duration.ofNanos(System.nanoTime() - t0), Map.of());
      }
      plan = full;
    } else if (verify) {
      NftScript.SyncState kernel = readSyncState();
      if (!state.sync().equals(kernel) || !canaryPresent(kernel)) {
        LOG.log(Level.WARNING, "nftables table differs from what weft wrote ({0}): writing the whole table", kernel);
        plan = NftRules.full(model, node);
      }
    }
    if (plan == null) plan = NftRules.update(state, model, node);
    NftScript.Script script = plan.script();
    try {
      if (!script.text().isEmpty()) nft.apply(script.text());
    } catch (NftException e) {
      if (plan.full()) throw e;
      LOG.log(Level.WARNING, "nftables update refused, writing the whole table: {0}", e.getMessage());
      plan = NftRules.full(model, node);
      script = plan.script();
      nft.apply(script.text());
    }
    lastScript = script.text();
    Map<ServicePortName, List<Endpoint>> removed = NftRules.removedUdpEndpoints(state, model, node, plan.full() ? null : plan.changed());
    state = plan.next();
    verify = false;
    return new SyncResult(plan.full(), script.services(), script.written(), Duration.ofNanos(System.nanoTime() - t0), removed);
  }

  /** The table's sync-state element; null when there is none (no table, another layout). */
  private NftScript.SyncState readSyncState() {
    NftRunner.Result r = nft.exec(null, "nft", "list", "set", NftScript.FAMILY, NftScript.TABLE, NftScript.SYNC_STATE);
    return r.exit() == 0 ? NftScript.SyncState.parse(r.out()) : null;
  }

  /** The canary rule is where the sync state says: a check-only transaction deleting it succeeds. */
  private boolean canaryPresent(NftScript.SyncState s) {
    if (s == null) return false;
    return nft.check("delete rule " + NftScript.T + " " + NftScript.CANARY + " handle " + s.canary() + "\n");
  }

  @Override
  public synchronized void invalidate() {
    verify = true;
  }

  @Override
  public synchronized void removeAll() {
    nft.apply(NftScript.removeAll());
    state = null;
    lastScript = "";
  }

  /** The text of the last transaction applied ("" when the last sync wrote nothing). */
  public String lastScript() {
    return lastScript;
  }
}
