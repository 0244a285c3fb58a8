package dev.weft.bench.overlay;

/**
 * One measured path: the client runs in {@code clientNs}, the server listens in {@code serverNs} on {@code serverIp}.
 *
 * @param overlay true when the traffic crosses the VXLAN overlay
 */
record BenchPath(String id, String label, String clientName, String clientNs, String serverName, String serverNs, String serverIp,
    boolean overlay) {
  static final String SAME_NODE = "same-node";
  static final String CROSS_NODE = "cross-node";
  static final String UNDERLAY = "underlay";
}
