package dev.weft.proxy;

import static dev.weft.proxy.testing.ServiceTopology.NODE_CONTEXT;
import static dev.weft.proxy.testing.ServiceTopology.NODE_IP;
import static dev.weft.proxy.testing.ServiceTopology.NODE_NAME;
import static dev.weft.proxy.testing.ServiceTopology.POD_B;
import static dev.weft.proxy.testing.ServiceTopology.tcp;
import static dev.weft.proxy.testing.ServiceTopology.tcpAttempt;
import static dev.weft.proxy.testing.ServiceTopology.who;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.proxy.iptables.ChainNames;
import dev.weft.proxy.testing.Models;
import dev.weft.proxy.testing.ServiceTopology;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * loadBalancerSourceRanges with real traffic, both backends, in one {@link ServiceTopology}: the
 * service's LoadBalancer IP answers clients inside its ranges and drops the others silently (the
 * connection times out, nothing is refused), while its ClusterIP, NodePort and externalIP keep
 * answering them; changing and removing the ranges takes effect with the next (incremental) sync.
 * Observers: the answering pod, and the rules read back with {@code nft -j} / {@code iptables-save -c}.
 */
@RootTest
class LoadBalancerSourceRangesKernelTest {
  static final String CLUSTER_IP = "10.96.9.10", LB_IP = "203.0.113.10", EXTERNAL_IP = "198.51.100.9";
  static final int NODE_PORT = 30990;
  static ServiceTopology t;
  ProxyBackend backend;

  @BeforeAll
  static void up() {
    t = new ServiceTopology();
  }

  @AfterAll
  static void down() {
    if (t != null) t.close();
  }

  @BeforeEach
  void fresh() {
    t.flushConntrack();
  }

  @AfterEach
  void clean() {
    for (String mode : List.of("nftables", "iptables")) ProxyBackends.create(mode, t.nodeNetns()).removeAll();
  }

  /** One LoadBalancer service port (ClusterIP, NodePort, externalIP, LB IP) with endpoint pod-b. */
  static Models.Svc service(String... ranges) {
    Models.Svc s = Models.tcp("default/fw:http", CLUSTER_IP, 80).nodePort(NODE_PORT).externalIp(EXTERNAL_IP).loadBalancerIp(LB_IP)
        .ready(POD_B, 80, NODE_NAME);
    for (String r : ranges) s.sourceRange(r);
    return s;
  }

  SyncResult sync(Models.Svc s) {
    return backend.sync(Models.of(s), NODE_CONTEXT);
  }

  /** Nothing answers, and nothing refuses: the SYN was dropped (a short connect timeout). */
  static void dropped(String ns, String addr, int port, String what) {
    ServiceTopology.Attempt a = tcpAttempt(ns, addr, port, 1);
    assertEquals("", a.out(), what);
    assertFalse(a.refused(), what + ": dropped, not refused: " + a.err());
    assertTrue(a.millis() >= 900, what + ": timed out, not answered at once (" + a.millis() + " ms): " + a.err());
  }

  static void answered(String ns, String addr, int port, String what) {
    assertEquals("pod-b", who(tcp(ns, addr, port)), what);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void onlyClientsInsideTheRangesReachTheLoadBalancerIp(String mode) {
    backend = ProxyBackends.create(mode, t.nodeNetns());
    String podA = t.pod("pod-a");

    // ext's network (which holds the node's address 192.168.50.1): ext and the node get in, pod-a does not
    sync(service("192.168.50.0/24"));
    answered(t.ext, LB_IP, 80, "ext, inside the range");
    answered(t.node, LB_IP, 80, "the node, its address inside the range");
    dropped(podA, LB_IP, 80, "pod-a, outside the range");
    answered(podA, CLUSTER_IP, 80, "the ClusterIP stays open");
    answered(podA, NODE_IP, NODE_PORT, "the NodePort stays open");
    answered(podA, EXTERNAL_IP, 80, "the externalIP stays open");
    assertTrue(rules(mode).contains("192.168.50.0/24"), rules(mode));
    observedDrop(mode);

    // the pods' network instead: an incremental sync turns it around
    t.flushConntrack();
    SyncResult changed = sync(service("10.244.1.0/24"));
    assertFalse(changed.full(), "an incremental sync");
    answered(podA, LB_IP, 80, "pod-a, inside the new range");
    dropped(t.ext, LB_IP, 80, "ext, outside the new range");
    assertEquals("", tcp(t.node, LB_IP, 80), "the node's address is in no range now");
    answered(t.ext, NODE_IP, NODE_PORT, "the NodePort stays open for ext");
    answered(t.ext, CLUSTER_IP, 80, "the ClusterIP stays open for ext");
    String now = rules(mode);
    assertTrue(now.contains("10.244.1.0/24") && !now.contains("192.168.50.0/24"), now);

    // no ranges: open to everyone, nothing left of the firewall
    t.flushConntrack();
    assertFalse(sync(service()).full(), "an incremental sync");
    answered(t.ext, LB_IP, 80, "ext, no ranges");
    answered(podA, LB_IP, 80, "pod-a, no ranges");
    answered(t.node, LB_IP, 80, "the node, no ranges");
    String open = rules(mode);
    assertFalse(open.contains("10.244.1.0/24"), open);
    if (mode.equals("iptables")) assertFalse(open.contains(ChainNames.FW) || open.contains("0x8000"), open);
  }

  /**
   * A restarted agent finding a table with other ranges rewrites it in place (the interval set
   * emptied and filled in the same transaction) and the new ranges hold at once.
   */
  @org.junit.jupiter.api.Test
  void nftablesRewriteInPlaceReplacesTheRanges() {
    backend = ProxyBackends.create("nftables", t.nodeNetns());
    sync(service("192.168.50.0/24", "10.0.0.0/8"));
    try (var restarted = new dev.weft.proxy.nft.NftProxyBackend(t.nodeNetns())) {
      SyncResult r = restarted.sync(Models.of(service("10.244.1.0/24")), NODE_CONTEXT);
      assertTrue(r.full(), "a full sync");
      assertTrue(restarted.lastScript().startsWith("add table ip weft_proxy\nflush table ip weft_proxy\n")
          && restarted.lastScript().contains("flush set ip weft_proxy firewall-allowed\n"), "in place: " + restarted.lastScript().lines().limit(30).toList());
    }
    assertEquals("firewall-ips: " + LB_IP + " tcp 80\nfirewall-allowed: " + LB_IP + " tcp 80 10.244.1.0/24\n", rules("nftables"));
    answered(t.pod("pod-a"), LB_IP, 80, "pod-a, inside the new range");
    dropped(t.ext, LB_IP, 80, "ext, outside it");
  }

  /**
   * From the Kubernetes object: a LoadBalancer Service whose ranges are in the legacy annotation
   * (with an invalid entry, ignored), translated by {@link ModelTranslator}; then the field, which
   * wins over the annotation.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nftables", "iptables"})
  void aServiceFromTheStoreWithTheAnnotationThenTheField(String mode) {
    backend = ProxyBackends.create(mode, t.nodeNetns());
    io.fabric8.kubernetes.api.model.Service svc = StoreObjects.service("default", "web", CLUSTER_IP, 80);
    svc.getSpec().setType("LoadBalancer");
    svc.getSpec().getPorts().getFirst().setNodePort(NODE_PORT);
    svc.getMetadata().setAnnotations(java.util.Map.of(SourceRanges.ANNOTATION, "10.244.1.0/24, not-a-range"));
    svc.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp(LB_IP).endIngress()
        .endLoadBalancer().build());
    var slices = List.of(StoreObjects.slice("default", "web", 80, POD_B));
    backend.sync(ModelTranslator.translate(List.of(svc), slices), NODE_CONTEXT);
    answered(t.pod("pod-a"), LB_IP, 80, "pod-a, inside the annotation's range");
    dropped(t.ext, LB_IP, 80, "ext, outside it");
    answered(t.ext, NODE_IP, NODE_PORT, "the NodePort stays open");

    t.flushConntrack();
    svc.getSpec().setLoadBalancerSourceRanges(List.of("192.168.50.0/24"));
    assertFalse(backend.sync(ModelTranslator.translate(List.of(svc), slices), NODE_CONTEXT).full(), "an incremental sync");
    answered(t.ext, LB_IP, 80, "ext, inside the field's range");
    dropped(t.pod("pod-a"), LB_IP, 80, "pod-a: the field wins over the annotation");
  }

  /**
   * What the backend's firewall holds, read back independently: the elements of {@code firewall-ips}
   * and {@code firewall-allowed} as {@code nft -j} prints them, or the {@code WEFT-FW-} chains and
   * the mark drops in {@code iptables-save}.
   */
  static String rules(String mode) {
    if (mode.equals("iptables")) {
      StringBuilder b = new StringBuilder();
      for (String line : ServiceTopology.inOrThrow(t.node, "iptables-save").split("\n"))
        if (line.contains(ChainNames.FW) || line.contains("0x8000")) b.append(line).append('\n');
      return b.toString();
    }
    StringBuilder b = new StringBuilder();
    for (var entry : t.nftJson("ip", "weft_proxy")) {
      var set = entry.get("set");
      if (set == null || !set.path("name").asText().startsWith("firewall-")) continue;
      for (var el : set.path("elem")) {
        b.append(set.path("name").asText()).append(':');
        for (var part : el.path("concat")) {
          var prefix = part.get("prefix");
          b.append(' ').append(prefix == null ? part.asText() : prefix.path("addr").asText() + "/" + prefix.path("len").asInt());
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  /**
   * The blocked connection went where the rules say: the nftables drop rule is in both filter
   * chains; the iptables FW chain's mark rule and a mark drop counted packets.
   */
  static void observedDrop(String mode) {
    if (mode.equals("nftables")) {
      var ruleset = Sh.json("ip", "netns", "exec", t.node, "nft", "-j", "list", "ruleset").path("nftables");
      for (String chain : List.of("filter-prerouting", "filter-output")) {
        boolean found = false;
        for (var entry : ruleset) {
          var rule = entry.get("rule");
          if (rule == null || !rule.path("table").asText().equals("weft_proxy") || !rule.path("chain").asText().equals(chain)) continue;
          String expr = rule.path("expr").toString();
          found |= expr.contains("\"right\":\"@firewall-ips\"") && expr.contains("{\"op\":\"!=\"") && expr.contains("\"right\":\"@firewall-allowed\"")
              && expr.contains("{\"drop\":null}");
        }
        assertTrue(found, chain + " drops what firewall-allowed does not hold: " + ruleset);
      }
      assertTrue(rules(mode).contains("firewall-ips: " + LB_IP + " tcp 80\n"), rules(mode));
      assertTrue(rules(mode).contains("firewall-allowed: " + LB_IP + " tcp 80 192.168.50.0/24\n"), rules(mode));
      return;
    }
    String save = ServiceTopology.inOrThrow(t.node, "iptables-save", "-c");
    // iptables-save prints "--or-mark 0x8000" as "--set-xmark 0x8000/0x8000"
    assertTrue(packets(save, "-j MARK --set-xmark 0x8000/0x8000") > 0, "the FW chain marked the blocked SYNs: " + save);
    assertTrue(packets(save, "-m mark --mark 0x8000/0x8000 -j DROP") > 0, "and the filter table dropped them: " + save);
    assertTrue(Pattern.compile("-A WEFT-SERVICES -d " + Pattern.quote(LB_IP) + "/32 .*--dport 80 -j " + ChainNames.FW + "\\w+$", Pattern.MULTILINE)
        .matcher(save).find(), "the LB IP enters the FW chain: " + save);
  }

  /** The packets counted by the rules whose text ends with {@code suffix} ({@code iptables-save -c}). */
  static long packets(String save, String suffix) {
    long n = 0;
    Matcher m = Pattern.compile("^\\[(\\d+):\\d+\\] -A .*" + Pattern.quote(suffix) + "$", Pattern.MULTILINE).matcher(save);
    while (m.find()) n += Long.parseLong(m.group(1));
    return n;
  }
}
