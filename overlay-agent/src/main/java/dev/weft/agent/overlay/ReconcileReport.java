package dev.weft.agent.overlay;

import java.time.Duration;
import java.util.List;

/**
 * What one overlay reconcile did, for logs and metrics.
 *
 * @param peers the peers programmed (desired minus this node and the rejected)
 * @param added entries (route, neighbour, FDB) created
 * @param changed entries replaced
 * @param removed entries deleted
 * @param setup writes to the device, its address and the sysctls, described
 * @param failures writes that failed (the next reconcile retries them)
 * @param rejected desired peers refused, with why (overlapping pod CIDR, ...)
 */
public record ReconcileReport(int peers, int added, int changed, int removed, List<String> setup, List<String> failures,
    List<String> rejected, Duration duration) {

  /** Every kernel write, successful, made by this reconcile: 0 when all was already right. */
  public int writes() {
    return added + changed + removed + setup.size();
  }

  /** No failed write and no rejected peer. */
  public boolean ok() {
    return failures.isEmpty() && rejected.isEmpty();
  }

  @Override
  public String toString() {
    return "peers=" + peers + " added=" + added + " changed=" + changed + " removed=" + removed + " setup=" + setup.size()
        + " failures=" + failures.size() + " rejected=" + rejected.size() + " in " + duration.toMillis() + " ms";
  }
}
