package dev.weft.lab;

import dev.weft.cni.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code weft lab status} shows. {@link #toJson()} is the documented shape
 * {@code {"nodes":[{"name","netns","underlayIp","podCidr"}], "pods":[{"name","node","netns","ip","labels"}],
 * "external":{"netns","ip"}}} plus extra keys (agent pid/restarts/readiness, pod readiness, etcd, supervisor).
 */
public record LabStatus(LabConfig config, List<NodeStatus> nodes, List<PodStatus> pods, String externalNetns,
    String underlayNetns, SupervisorView supervisor) {

  /** @param stopped held down by {@code weft lab node stop} */
  public record NodeStatus(LabConfig.Node node, String podCidr, long agentPid, long restarts, boolean ready, String lastExit, boolean stopped) {}

  public record PodStatus(LabPod pod, boolean ready, boolean registered) {}

  static LabStatus read(LabPaths paths, LabConfig cfg) {
    SupervisorView sv = SupervisorView.read(paths);
    boolean live = sv != null && sv.alive();
    List<NodeStatus> nodes = new ArrayList<>();
    for (LabConfig.Node n : cfg.nodes()) {
      Map<String, Object> a = live ? sv.agent(n.name()) : Map.of();
      long pid = J.num(a, "pid", 0);
      nodes.add(new NodeStatus(n, Conflists.podCidr(paths, n.name()), Procs.alive(pid) ? pid : 0, J.num(a, "restarts", 0),
          J.bool(a, "ready"), J.str(a, "lastExit"), J.bool(a, "stopped")));
    }
    List<PodStatus> pods = new ArrayList<>();
    for (LabPod p : LabPod.readAll(paths))
      pods.add(new PodStatus(p, live && sv.podServing(p.name()) && p.ready() && !p.terminating(), live && sv.podRegistered(p.name())));
    return new LabStatus(cfg, nodes, pods, paths.extNs(), paths.underlayNs(), sv);
  }

  public boolean supervisorAlive() {
    return supervisor != null && supervisor.alive();
  }

  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Object> ns = new ArrayList<>();
    for (NodeStatus n : nodes) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", n.node().name());
      o.put("netns", n.node().netns());
      o.put("underlayIp", n.node().underlayIp());
      o.put("podCidr", n.podCidr());
      Map<String, Object> agent = new LinkedHashMap<>();
      agent.put("pid", n.agentPid());
      agent.put("restarts", n.restarts());
      agent.put("ready", n.ready());
      if (n.lastExit() != null) agent.put("lastExit", n.lastExit());
      if (n.stopped()) agent.put("stopped", true);
      o.put("agent", agent);
      ns.add(o);
    }
    m.put("nodes", ns);
    List<Object> ps = new ArrayList<>();
    for (PodStatus p : pods) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", p.pod().name());
      o.put("node", p.pod().node());
      o.put("netns", p.pod().netns());
      o.put("ip", p.pod().ip());
      o.put("labels", new LinkedHashMap<String, Object>(p.pod().sortedLabels()));
      o.put("ready", p.ready());
      if (p.pod().terminating()) o.put("terminating", true);
      ps.add(o);
    }
    m.put("pods", ps);
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("netns", externalNetns);
    ext.put("ip", config.extIp());
    m.put("external", ext);
    m.put("lab", config.name());
    Map<String, Object> etcd = new LinkedHashMap<>();
    etcd.put("endpoint", config.etcdEndpoint());
    etcd.put("netns", underlayNetns);
    if (supervisorAlive()) {
      etcd.put("pid", J.num(supervisor.etcd(), "pid", 0));
      etcd.put("restarts", J.num(supervisor.etcd(), "restarts", 0));
      etcd.put("ready", J.bool(supervisor.etcd(), "ready"));
    }
    m.put("etcd", etcd);
    Map<String, Object> sup = new LinkedHashMap<>();
    sup.put("pid", supervisor == null ? 0L : supervisor.pid());
    sup.put("running", supervisorAlive());
    m.put("supervisor", sup);
    m.put("clusterCidr", config.clusterCidr());
    Map<String, Object> svc = new LinkedHashMap<>();
    svc.put("proxy", config.proxy());
    svc.put("serviceCidr", config.serviceCidr());
    svc.put("nodePorts", config.nodePorts());
    svc.put("loadBalancerPool", config.lbPool());
    if (supervisorAlive()) svc.putAll(supervisor.services());
    m.put("services", svc);
    return m;
  }

  public String toJsonString() {
    return new String(Json.write(toJson(), true), StandardCharsets.UTF_8);
  }

  /** The human table. */
  public String toTable() {
    StringBuilder s = new StringBuilder();
    s.append(String.format("lab %s   underlay %s   etcd %s%s   cluster %s%n", config.name(), config.underlayCidr(), config.etcdEndpoint(),
        supervisorAlive() ? " (pid " + J.num(supervisor.etcd(), "pid", 0) + (J.bool(supervisor.etcd(), "ready") ? ", ready" : ", NOT READY") + ")" : "",
        config.clusterCidr()));
    s.append(String.format("services: proxy %s   service CIDR %s   node ports %s   load-balancer pool %s%n", config.proxy(), config.serviceCidr(),
        config.nodePorts(), config.lbPool()));
    s.append(supervisorAlive() ? String.format("supervisor pid %d%n", supervisor.pid())
        : "supervisor NOT RUNNING: agents are not restarted and pods do not answer ('weft lab down' then up)\n");
    s.append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NODE", "NETNS", "UNDERLAY IP", "POD CIDR", "AGENT PID", "RESTARTS", "READY"});
    for (NodeStatus n : nodes)
      rows.add(new String[] {n.node().name(), n.node().netns(), n.node().underlayIp(), n.podCidr() == null ? "-" : n.podCidr(),
          n.agentPid() == 0 ? "-" : Long.toString(n.agentPid()), Long.toString(n.restarts()), n.stopped() ? "stopped" : n.ready() ? "yes" : "no"});
    table(s, rows);
    s.append('\n');
    rows = new ArrayList<>();
    rows.add(new String[] {"POD", "NODE", "IP", "READY", "LABELS", "NETNS"});
    for (PodStatus p : pods) {
      List<String> ls = new ArrayList<>();
      p.pod().sortedLabels().forEach((k, v) -> ls.add(k + "=" + v));
      rows.add(new String[] {p.pod().name(), p.pod().node(), p.pod().ip(), p.pod().terminating() ? "terminating" : p.ready() ? "yes" : "no",
          ls.isEmpty() ? "-" : String.join(",", ls),
          p.pod().netns()});
    }
    if (pods.isEmpty()) s.append("no pods ('weft lab pod add NAME --node NODE')\n");
    else table(s, rows);
    s.append('\n');
    s.append(String.format("external client: %s in %s%n", config.extIp(), externalNetns));
    return s.toString();
  }

  private static void table(StringBuilder s, List<String[]> rows) {
    int[] w = new int[rows.getFirst().length];
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(r[i]);
        if (i < r.length - 1) line.append(" ".repeat(w[i] - r[i].length() + 3));
      }
      s.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
