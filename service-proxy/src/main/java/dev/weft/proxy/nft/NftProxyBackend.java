package dev.weft.proxy.nft;

import dev.weft.nat.NetnsCommand;
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
 * changed — for a common service port, element deletes and adds only — and nothing at all when
 * none did. Rule text comes from {@link NftRules} (pure).
 *
 * <p>The first sync (a restarted agent) does not rewrite a table that is already right: it reads
 * the table's {@code sync-state} element ({@code nft list set}) and checks the canary rule with
 * {@code nft -c} (a transaction the kernel checks and aborts): nothing is written, {@code nft
 * monitor} sees nothing; when the digest matches what it would write, it adopts the table.
 * {@link #invalidate} (the controller's periodic resync) makes the next sync do the same check
 * against what this backend wrote last: a table as it was left is kept as it is, sessionAffinity
 * state included. Only real drift leads to a full rewrite — the canary rule gone (flushed, deleted)
 * or another writer's sync state — and a table of this layout is rewritten in place (rules
 * flushed, sets emptied, stale chains and sets deleted, everything added again in the same
 * transaction), so affinity sets of unchanged service ports keep their clients; a table that is
 * missing, of another layout or that refuses the in-place rewrite is written anew. An update the
 * kernel refuses is followed at once, in the same sync, by such a full rewrite. Thread-safe:
 * syncs are serialised.
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
    if (state == null || !state.node().equals(node) || verify) {
      NftScript.SyncState kernel = readSyncState();
      boolean canary = kernel != null && canaryPresent(kernel);
      if (state == null || !state.node().equals(node)) {
        NftRules.State wanted = NftRules.state(model, node);
        if (canary && kernel.digest() == wanted.digest()) {
          LOG.log(Level.INFO, "nftables table already matches ({0} service ports): adopted, nothing written", wanted.entries().size());
          state = wanted.adopt(kernel);
          verify = false;
          lastScript = "";
          return new SyncResult(false, 0, 0, Duration.ofNanos(System.nanoTime() - t0), Map.of());
        }
        plan = applyFull(wanted, existing(kernel));
      } else if (!state.sync().equals(kernel) || !canary) {
        LOG.log(Level.WARNING, "nftables table differs from what weft wrote (sync state {0}, canary {1}): writing the whole table", kernel, canary);
        plan = applyFull(NftRules.state(model, node), existing(kernel));
      }
    }
    if (plan == null) {
      plan = NftRules.update(state, model, node);
      if (plan.full()) {
        plan = applyFull(plan.next(), null); // no earlier state: not reached (handled above), kept total
      } else {
        try {
          if (!plan.script().text().isEmpty()) nft.apply(plan.script().text());
        } catch (NftException e) {
          LOG.log(Level.WARNING, "nftables update refused, writing the whole table: {0}", e.getMessage());
          plan = applyFull(NftRules.state(model, node), existing(readSyncState()));
        }
      }
    }
    NftScript.Script script = plan.script();
    lastScript = script.text();
    Map<ServicePortName, List<Endpoint>> removed = NftRules.removedUdpEndpoints(state, model, node, plan.full() ? null : plan.changed());
    state = plan.next();
    verify = false;
    return new SyncResult(plan.full(), script.services(), script.written(), Duration.ofNanos(System.nanoTime() - t0), removed);
  }

  /**
   * Writes the whole table for {@code st}, rewriting {@code existing} in place (null: anew), the script streamed
   * into nft as it is written. A rewrite in place that is refused (a kept set declared otherwise), or after which
   * the canary is not where predicted (the handle counter was not what the sync state said), is followed by one
   * writing the table anew.
   */
  private NftRules.Plan applyFull(NftRules.State st, NftScript.Existing existing) {
    try {
      NftRules.Plan plan = nft.applyStreaming(sink -> NftRules.full(st, existing, sink));
      if (!plan.inPlace() || canaryPresent(plan.next().sync())) return plan;
      // the handle counter had moved on (a refused transaction allocates handles too): the
      // balancing groups' maps, declared again, are the transaction's last sets (or per-service
      // sets after them), the canary rule its last rule
      NetnsCommand.Result r = nft.exec("list sets ip\nlist maps ip\n", "nft", "-a", "-t", "-f", "-");
      long lastSet = r.exit() == 0 ? NftScript.maxSetHandle(r.out()) : 0;
      long canary = lastSet + plan.script().blockRules();
      NftScript.SyncState measured = new NftScript.SyncState(plan.next().digest(), canary, canary);
      if (lastSet > 0 && canaryPresent(measured)) {
        nft.apply(NftScript.syncStateOnly(measured));
        return new NftRules.Plan(plan.script(), plan.next().adopt(measured), true, null);
      }
      LOG.log(Level.WARNING, "nftables canary not found after a rewrite in place: writing the whole table anew");
    } catch (NftException e) {
      if (existing == null) throw e;
      LOG.log(Level.WARNING, "nftables rewrite in place refused, writing the whole table anew: {0}", e.getMessage());
    }
    return nft.applyStreaming(sink -> NftRules.full(st, null, sink));
  }

  /** The weft table to rewrite in place (its chains and sets), or null to write it anew. */
  private NftScript.Existing existing(NftScript.SyncState kernel) {
    if (kernel == null) return null; // no table, or not of this layout
    NetnsCommand.Result r = nft.exec("list sets ip\nlist maps ip\nlist chains ip\n", "nft", "-t", "-f", "-");
    return r.exit() == 0 ? NftScript.Existing.parse(r.out(), kernel.next()) : null;
  }

  /** The table's sync-state element; null when there is none (no table, another layout). */
  private NftScript.SyncState readSyncState() {
    NetnsCommand.Result r = nft.exec(null, "nft", "list", "set", NftScript.FAMILY, NftScript.TABLE, NftScript.SYNC_STATE);
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
