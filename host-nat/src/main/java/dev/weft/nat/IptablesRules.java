package dev.weft.nat;

import dev.weft.kernel.FileLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the iptables masquerade and hostPort rules share. State is read with {@code
 * iptables-save -t nat} and written with one {@code iptables-restore --noflush} per family, under
 * an flock per network namespace: a restore is atomic, but read-then-write is not, and weft's
 * processes must not interleave theirs (iptables-nft ignores the xtables lock).
 */
abstract class IptablesRules {
  static final Path LOCK_DIR = Path.of("/run/weft");
  protected final NetnsCommand cmd;
  private final String chainPrefix;

  IptablesRules(NetnsCommand cmd, String chainPrefix) {
    this.cmd = cmd;
    this.chainPrefix = chainPrefix;
  }

  /** The attachment's own chain. */
  abstract String chain(AttachmentId id);

  /** Hook after chains were removed from one family (hostPorts: clear UDP conntrack). */
  void removed(IptablesState before, Set<String> chains, boolean v4) {}

  IptablesState read(boolean v4) {
    return IptablesState.parse(cmd.run(null, v4 ? "iptables-save" : "ip6tables-save", "-t", "nat"));
  }

  void restore(boolean v4, String input) {
    cmd.run(input, v4 ? "iptables-restore" : "ip6tables-restore", "--noflush", "-w");
  }

  FileLock lock() {
    try {
      Path ns = cmd.netns() == null ? Path.of("/proc/self/ns/net") : cmd.netns();
      Files.createDirectories(LOCK_DIR);
      return FileLock.exclusive(LOCK_DIR.resolve("host-nat-iptables-" + Files.getAttribute(ns, "unix:ino") + ".lock"));
    } catch (IOException e) {
      throw new NatException(List.of("flock", LOCK_DIR.toString()), e.toString());
    }
  }

  /** Removes these chains (and their jumps) from one family; caller holds the lock. */
  void removeChains(boolean v4, Set<String> chains) {
    IptablesState state = read(v4);
    String script = IptablesScript.remove(chains, state);
    if (script == null) return;
    restore(v4, script);
    removed(state, chains, v4);
  }

  /** Undoes a family already written when the other family's restore failed. */
  void rollback(boolean v4, AttachmentId id, NatException cause) {
    try {
      removeChains(v4, Set.of(chain(id)));
    } catch (NatException e) {
      cause.addSuppressed(e);
    }
  }

  public void remove(AttachmentId id) {
    try (FileLock l = lock()) {
      removeChains(true, Set.of(chain(id)));
      removeChains(false, Set.of(chain(id)));
    }
  }

  public Set<AttachmentId> list(String network) {
    Set<AttachmentId> ids = new HashSet<>();
    for (boolean v4 : new boolean[] {true, false}) {
      for (IptablesState.Rule r : read(v4).rules()) {
        if (r.target() != null && r.target().startsWith(chainPrefix) && AttachmentComment.belongsTo(r.comment(), network))
          ids.add(AttachmentComment.decode(r.comment()));
      }
    }
    return ids;
  }

  public void retainOnly(String network, Set<AttachmentId> keep) {
    Set<String> kept = new HashSet<>();
    for (AttachmentId id : keep) kept.add(AttachmentComment.encode(id));
    try (FileLock l = lock()) {
      for (boolean v4 : new boolean[] {true, false}) {
        Set<String> doomed = new HashSet<>();
        for (IptablesState.Rule r : read(v4).rules()) {
          if (r.target() != null && r.target().startsWith(chainPrefix) && AttachmentComment.belongsTo(r.comment(), network) && !kept.contains(r.comment()))
            doomed.add(r.target());
        }
        if (!doomed.isEmpty()) removeChains(v4, doomed);
      }
    }
  }
}
