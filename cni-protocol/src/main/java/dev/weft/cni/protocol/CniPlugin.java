package dev.weft.cni.protocol;

import java.util.Set;

/**
 * A CNI plugin's verbs, dispatched by {@link PluginRunner}. The runner has already validated the
 * environment and the config and checked that the negotiated version has the verb.
 */
public interface CniPlugin {
  /** ADD: the result (the runner relabels it with the negotiated version). */
  Result add(CniEnv env, NetworkConfig conf) throws CniError;

  /** DEL: best effort and idempotent; env.netns() may be null. */
  void del(CniEnv env, NetworkConfig conf) throws CniError;

  void check(CniEnv env, NetworkConfig conf) throws CniError;

  /** STATUS: returns when an ADD could succeed, else throws code 50 or 51. */
  void status(NetworkConfig conf) throws CniError;

  /** GC: release everything not in {@code valid}. */
  void gc(NetworkConfig conf, Set<Attachment> valid) throws CniError;
}
