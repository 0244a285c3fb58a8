package dev.weft.lab;

import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.KernelException;
import dev.weft.kernel.Link;
import dev.weft.kernel.NetNs;
import dev.weft.kernel.Rtnl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The lab's wiring, all inside namespaces it creates: the underlay namespace holds bridge {@code br0}
 * (172.30.0.1/24, where etcd listens); each node and the external client get {@code eth0}, a veth whose other
 * end (named after the node, or {@code ext}) is a port of {@code br0}. Nothing is created in the root
 * namespace: veths are created from inside the underlay namespace with their peer born in the target one.
 */
final class Topology {
  private Topology() {}

  static void create(LabPaths paths, LabConfig cfg) {
    Path underlay = NetNs.create(paths.underlayNs());
    try (Rtnl u = Rtnl.openIn(underlay)) {
      loUp(u);
      Link br = u.addBridge(LabConfig.UNDERLAY_BRIDGE, 0);
      u.addAddress(br.index(), IpPrefix.parse(cfg.etcdIp() + "/" + LabConfig.UNDERLAY_PREFIX));
      u.setUp(br.index());
      for (LabConfig.Node n : cfg.nodes()) attach(u, br, n.name(), NetNs.create(n.netns()), n.underlayIp(), cfg.etcdIp());
      attach(u, br, "ext", NetNs.create(paths.extNs()), cfg.extIp(), null);
    }
  }

  /**
   * A namespace on the underlay: veth {@code eth0} inside it, its peer {@code port} on the bridge.
   * Nodes get a default route via the underlay's gateway, as real nodes have one: without it, a
   * packet to a Service IP with no endpoints fails routing ("network unreachable") before the
   * iptables backend's REJECT in FORWARD/OUTPUT can answer it.
   */
  private static void attach(Rtnl u, Link br, String port, Path ns, String ip, String gateway) {
    u.addVeth(port, "eth0", ns, 0, null, null);
    Link p = u.requireLink(port);
    u.setMaster(p.index(), br.index());
    u.setUp(p.index());
    try (Rtnl r = Rtnl.openIn(ns)) {
      loUp(r);
      Link eth0 = r.requireLink("eth0");
      r.addAddress(eth0.index(), IpPrefix.parse(ip + "/" + LabConfig.UNDERLAY_PREFIX));
      r.setUp(eth0.index());
      if (gateway != null)
        r.addRoute(dev.weft.kernel.Route.builder().gateway(IpPrefix.parseAddress(gateway)).oif(eth0.index()).build());
    }
  }

  static void loUp(Rtnl r) {
    r.setUp(r.requireLink("lo").index());
  }

  /** The lab's namespaces that exist now, pods first and the underlay last (the order to delete them). */
  static List<String> existingNamespaces(LabPaths paths) {
    List<String> pods = new ArrayList<>(), others = new ArrayList<>();
    String underlay = null;
    if (!Files.isDirectory(NetNs.RUN_DIR)) return List.of();
    try (var s = Files.list(NetNs.RUN_DIR)) {
      for (Path p : s.sorted().toList()) {
        String n = p.getFileName().toString();
        if (!n.startsWith(paths.nsPrefix())) continue;
        if (n.equals(paths.underlayNs())) underlay = n;
        else if (n.startsWith(paths.nsPrefix() + "pod-")) pods.add(n);
        else others.add(n);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<String> all = new ArrayList<>(pods);
    all.addAll(others);
    if (underlay != null) all.add(underlay);
    return all;
  }

  static void deleteNamespace(String name) {
    try {
      NetNs.delete(name);
    } catch (KernelException e) {
      if (!e.is(dev.weft.kernel.Errno.ENOENT)) throw e;
    }
  }
}
