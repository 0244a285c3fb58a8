package dev.weft.lab;

import java.nio.file.Files;
import java.util.Map;

/** The supervisor's last {@code supervisor.json}, as the CLI reads it. */
record SupervisorView(long pid, long updated, boolean alive, Map<String, Object> raw) {
  static SupervisorView read(LabPaths paths) {
    if (!Files.exists(paths.supervisorStatusFile())) return null;
    Map<String, Object> m;
    try {
      m = J.read(paths.supervisorStatusFile());
    } catch (RuntimeException e) {
      return null;
    }
    long pid = J.num(m, "pid", 0);
    boolean alive = Procs.alive(pid) && ProcessHandle.of(pid).flatMap(h -> h.info().arguments())
        .map(a -> paths.carriesMarker(java.util.List.of(a))).orElse(true);
    return new SupervisorView(pid, J.num(m, "updated", 0), alive, m);
  }

  boolean etcdReady() {
    return J.bool(J.map(raw.get("etcd")), "ready");
  }

  Map<String, Object> etcd() {
    return J.map(raw.get("etcd"));
  }

  Map<String, Object> agent(String node) {
    return J.map(J.map(raw.get("agents")).get(node));
  }

  boolean agentReady(String node) {
    return J.bool(agent(node), "ready");
  }

  boolean podKnown(String pod) {
    return J.map(raw.get("pods")).containsKey(pod);
  }

  boolean podServing(String pod) {
    return J.bool(J.map(J.map(raw.get("pods")).get(pod)), "serving");
  }

  boolean podRegistered(String pod) {
    return J.bool(J.map(J.map(raw.get("pods")).get(pod)), "registered");
  }

  /** What the supervisor last stored for the pod ({@link LabPod#registration()}), or null. */
  String podRegistration(String pod) {
    return J.str(J.map(J.map(raw.get("pods")).get(pod)), "registration");
  }

  /** The Services control plane's state: {@code endpointSliceController}, {@code sliceWrites}, {@code error}. */
  Map<String, Object> services() {
    return J.map(raw.get("services"));
  }

  String podError(String pod) {
    return J.str(J.map(J.map(raw.get("pods")).get(pod)), "error");
  }
}
