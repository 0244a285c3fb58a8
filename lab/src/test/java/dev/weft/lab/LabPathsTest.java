package dev.weft.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabPathsTest {
  @Test
  void namesAndMarker() {
    LabPaths p = new LabPaths("weft");
    assertEquals("wftlab-weft-underlay", p.underlayNs());
    assertEquals("wftlab-weft-node-2", p.nodeNs("node-2"));
    assertEquals("wftlab-weft-pod-web-1", p.podNs("web-1"));
    assertTrue(p.carriesMarker(List.of("etcd", "--data-dir", "/run/weft-lab/weft/etcd")));
    assertTrue(p.carriesMarker(List.of("java", "dev.weft.lab.Supervisor", "/run/weft-lab/weft")));
    assertFalse(p.carriesMarker(List.of("etcd", "--data-dir", "/run/weft-lab/weft2/etcd")), "another lab");
    assertFalse(p.carriesMarker(List.of("sleep", "10")));
    assertThrows(LabException.class, () -> new LabPaths("we-ft"), "a dash would make prefixes of two labs overlap");
    assertThrows(LabException.class, () -> new LabPaths("Weft"));
    assertThrows(LabException.class, () -> new LabPaths(""));
  }

  @Test
  void podNamesAndLabels() {
    LabPod.checkName("web-1");
    assertEquals("invalid pod name 'Web': lowercase letters, digits and '-', at most 40 characters",
        assertThrows(LabException.class, () -> LabPod.checkName("Web")).getMessage());
    assertThrows(LabException.class, () -> LabPod.checkName("node-3"));
    assertThrows(LabException.class, () -> LabPod.checkName("ext"));
    assertEquals(Map.of("app", "web", "k8s.io/tier", ""), LabPod.parseLabels(List.of("app=web", "k8s.io/tier=")));
    assertEquals("invalid label 'app': expected key=value", assertThrows(LabException.class, () -> LabPod.parseLabels(List.of("app"))).getMessage());
    assertThrows(LabException.class, () -> LabPod.parseLabels(List.of("a=b c")));
  }

  @Test
  void nodesAndAgentCommandLine() {
    LabPaths p = new LabPaths("weft");
    LabConfig cfg = LabConfig.plan(p, 3, java.nio.file.Path.of("/d"), java.nio.file.Path.of("/d/bin/weft-agent"));
    assertEquals("172.30.0.13", cfg.node("node-3").underlayIp());
    assertEquals("node node-7 does not exist (nodes: node-1, node-2, node-3)", assertThrows(LabException.class, () -> cfg.node("node-7")).getMessage());
    assertEquals(String.join(" ", "/d/bin/weft-agent --node-name node-1 --underlay-interface eth0 --cluster-cidr 10.244.0.0/16",
        "--node-prefix 24 --datastore etcd --etcd-endpoints http://172.30.0.1:2379 --etcd-prefix /weft",
        "--cni-conf-dir /run/weft-lab/weft/nodes/node-1/cni --state-dir /run/weft-lab/weft/nodes/node-1/state",
        "--ipam-data-dir /run/weft-lab/weft/nodes/node-1/ipam --cni-socket /run/weft-lab/weft/nodes/node-1/cni.sock",
        "--http-listen 0.0.0.0:9402 --lease-ttl 15s --proxy nftables"), String.join(" ", cfg.agentCommand(p, cfg.node("node-1"))));
    assertEquals(cfg, LabConfig.fromJson(cfg.toJson()));
    assertThrows(LabException.class, () -> LabConfig.plan(p, 0, java.nio.file.Path.of("/d"), java.nio.file.Path.of("/a")));
  }
}
