package dev.weft.cni;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import java.nio.file.Files;
import java.nio.file.Path;

/** The pod's network namespace path from CNI_NETNS. */
final class PodNetns {
  private PodNetns() {}

  /** The namespace for ADD/CHECK: it must exist (CNI error 3 when it does not). */
  static Path require(CniEnv env) throws CniError {
    String s = env.netns();
    if (s == null || s.isEmpty()) throw new CniError(CniError.INVALID_ENV, "CNI_NETNS is empty", null);
    Path p = Path.of(s);
    if (!Files.exists(p)) throw new CniError(CniError.UNKNOWN_CONTAINER, "network namespace " + p + " does not exist", null);
    return p;
  }

  /** The namespace for DEL: null when CNI_NETNS is empty or names a namespace that is gone. */
  static Path optional(CniEnv env) {
    String s = env.netns();
    if (s == null || s.isEmpty()) return null;
    Path p = Path.of(s);
    return Files.exists(p) ? p : null;
  }
}
