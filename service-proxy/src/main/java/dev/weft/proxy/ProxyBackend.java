package dev.weft.proxy;

import dev.weft.proxy.model.NodeContext;
import dev.weft.proxy.model.ProxyModel;

/**
 * A way of programming Services into the kernel: nftables or iptables. A backend remembers what it
 * last applied, so {@link #sync} writes a full ruleset the first time (and whenever it finds the
 * kernel no longer matches, e.g. someone flushed the table) and only the changed services after.
 * Every sync is one atomic transaction: a failure leaves the previous rules in place.
 */
public interface ProxyBackend extends AutoCloseable {
  /** "nftables" or "iptables". */
  String name();

  /** Makes the kernel match {@code model} for {@code node}. */
  SyncResult sync(ProxyModel model, NodeContext node);

  /** Forces the next sync to be a full one (after a resync period, or suspected drift). */
  void invalidate();

  /** Removes every rule this backend owns (used when switching to the other backend). */
  void removeAll();

  @Override
  default void close() {}
}
