package dev.weft.nat;

import dev.weft.nat.NftScript.Element;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
