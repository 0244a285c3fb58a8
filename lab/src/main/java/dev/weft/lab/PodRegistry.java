package dev.weft.lab;

/**
 * Where the lab registers its pods for the rest of the cluster (service proxy, EndpointSlice controller):
 * Kubernetes {@code v1.Pod} objects. A thin seam so the backing store can change without touching the
 * supervisor.
 */
interface PodRegistry extends AutoCloseable {
  /** Creates or replaces the pod's object (name, labels, nodeName, podIP, Ready condition). */
  void put(LabPod pod, String hostIp, boolean ready);

  /** Removes it; nothing to remove is fine. */
  void delete(String podName);

  @Override
  void close();
}
