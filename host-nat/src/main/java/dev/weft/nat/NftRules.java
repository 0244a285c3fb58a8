package dev.weft.nat;

import dev.weft.nat.NftScript.Element;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What the nft masquerade and hostPort rules share: reading weft's elements, applying a script
 * as one {@code nft -f -} transaction, and removing an attachment's elements by their comment.
 * Removal reads, then deletes exactly what it read in one transaction; if a concurrent remover
 * got there first the transaction fails with ENOENT and changes nothing, so it reads again.
 */
abstract class NftRules {
  private static final int ATTEMPTS = 8;
  protected final NetnsCommand cmd;
  private final String setPrefix;

  NftRules(NetnsCommand cmd, String setPrefix) {
    this.cmd = cmd;
    this.setPrefix = setPrefix;
  }

  /** Elements of this kind's sets (those named {@code setPrefix*}); none when the table is missing. */
  List<Element> read() {
    NetnsCommand.Result r = cmd.exec(null, "nft", "-j", "list", "table", NftScript.FAMILY, NftScript.TABLE);
    if (r.exit() != 0) {
      if (r.err().contains("No such file or directory")) return List.of();
      throw new NatException(r.argv(), r.err());
    }
    List<Element> mine = new ArrayList<>();
    for (Element e : NftElements.parse(r.out())) if (e.set().startsWith(setPrefix)) mine.add(e);
    return mine;
  }

  /** When this process last applied the skeleton, per network namespace ({@link #netnsKey}): nanoTime. */
  private static final Map<String, Long> SKELETON_APPLIED = new ConcurrentHashMap<>();
  /** How long the skeleton applied by this process counts as current (tests shorten it). */
  static long skeletonRefreshNanos = 10_000_000_000L;

  /**
   * Applies {@code elements} (element commands only) in one transaction with weft's {@link NftScript#skeleton}
   * in front, so a missing table, set, chain or fixed rule is put back by the same call. Re-declaring the
   * chains and re-adding their rules makes the kernel wait for an RCU grace period (~7-10 ms a transaction,
   * measured with nft 1.0.6 on kernel 6.18), where elements alone take ~0.5 ms: so a process that already
   * applied the skeleton in this namespace within {@link #skeletonRefreshNanos} (the agent's CNI fast path,
   * or masquerade then hostPorts in one ADD) applies the elements alone, and the whole script only when that
   * fails for a missing table or set (ENOENT). A fresh process (a standalone weft-cni call) always applies
   * the whole script, so each call repairs drift, and the agent's at least once per refresh interval.
   */
  void applyWithSkeleton(String elements) {
    String ns = netnsKey();
    long now = System.nanoTime();
    Long last = ns == null ? null : SKELETON_APPLIED.get(ns);
    if (last != null && now - last < skeletonRefreshNanos) {
      try {
        apply(elements);
        return;
      } catch (NatException e) {
        if (!e.stderr().contains("No such file or directory")) throw e;
        SKELETON_APPLIED.remove(ns); // the table or a set is gone: the whole script below puts it back
      }
    }
    apply(NftScript.withSkeleton(elements));
    if (ns != null) SKELETON_APPLIED.put(ns, now);
  }

  /** The target network namespace's identity (its nsfs inode), or null when it cannot be read. */
  private String netnsKey() {
    try {
      if (cmd.netns() == null) return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
      return cmd.netns() + ":" + Files.getAttribute(cmd.netns(), "unix:ino");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  void apply(String script) {
    for (int attempt = 1; ; attempt++) {
      NetnsCommand.Result r = cmd.exec(script, "nft", "-f", "-");
      if (r.exit() == 0) return;
      if (attempt < ATTEMPTS && r.err().contains("Interrupted system call")) continue; // ruleset changed under nft's cache
      throw new NatException(r.argv(), r.err());
    }
  }

  /** Hook after elements were deleted (hostPorts: clear UDP conntrack). */
  void removed(List<Element> gone) {}

  final void removeWhere(Predicate<String> comment) {
    for (int attempt = 1; ; attempt++) {
      List<Element> victims = new ArrayList<>();
      for (Element e : read()) if (e.comment() != null && comment.test(e.comment())) victims.add(e);
      if (victims.isEmpty()) return;
      NetnsCommand.Result r = cmd.exec(NftScript.deleteElements(victims), "nft", "-f", "-");
      if (r.exit() == 0) {
        removed(victims);
        return;
      }
      boolean raced = r.err().contains("No such file or directory") || r.err().contains("Interrupted system call");
      if (!raced || attempt >= ATTEMPTS) throw new NatException(r.argv(), r.err());
    }
  }

  public void remove(AttachmentId id) {
    String c = AttachmentComment.encode(id);
    removeWhere(c::equals);
  }

  public Set<AttachmentId> list(String network) {
    Set<AttachmentId> ids = new HashSet<>();
    for (Element e : read()) {
      if (AttachmentComment.belongsTo(e.comment(), network)) ids.add(AttachmentComment.decode(e.comment()));
    }
    return ids;
  }

  public void retainOnly(String network, Set<AttachmentId> keep) {
    Set<String> kept = new HashSet<>();
    for (AttachmentId id : keep) kept.add(AttachmentComment.encode(id));
    removeWhere(c -> AttachmentComment.belongsTo(c, network) && !kept.contains(c));
  }
}
