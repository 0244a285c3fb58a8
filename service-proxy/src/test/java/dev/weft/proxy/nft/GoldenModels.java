package dev.weft.proxy.nft;

import static dev.weft.proxy.testing.Models.*;

import dev.weft.proxy.model.ProxyModel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The models the golden files are generated from (also applied to a real kernel by NftGoldenApplyTest). */
final class GoldenModels {
  static final String N1 = "node-1", N2 = "node-2";

  private GoldenModels() {}

  static Map<String, ProxyModel> all() {
    Map<String, ProxyModel> m = new LinkedHashMap<>();
    m.put("clusterip", of(
        tcp("default/web:http", "10.96.0.10", 80).ready("10.244.1.2", 8080, N1).ready("10.244.1.3", 8080, N1).ready("10.244.2.2", 8080, N2),
        tcp("default/single:", "10.96.0.11", 443).ready("10.244.1.4", 8443, N1),
        tcp("default/headless:", null, 80).ready("10.244.1.4", 80, N1)));
    m.put("nodeport", of(
        tcp("default/web:http", "10.96.0.10", 80).nodePort(30080).ready("10.244.1.2", 80, N1).ready("10.244.2.2", 80, N2)));
    m.put("lb-externalips", of(
        tcp("shop/front:https", "10.96.1.1", 443).nodePort(31443).loadBalancerIp("192.168.60.10").externalIp("192.168.60.20")
            .ready("10.244.1.2", 8443, N1).ready("10.244.2.2", 8443, N2)));
    m.put("lb-source-ranges", of(
        // common path: two LB IPs firewalled (a range nested in another is left out), the externalIP and NodePort open
        tcp("shop/front:https", "10.96.1.1", 443).nodePort(31443).loadBalancerIp("192.168.60.10").loadBalancerIp("192.168.60.11")
            .externalIp("192.168.60.20").sourceRange("203.0.113.0/24").sourceRange("10.0.0.0/8").sourceRange("10.1.0.0/16")
            .ready("10.244.1.2", 8443, N1).ready("10.244.2.2", 8443, N2),
        // per-service chains (eTP Local); a range holds the node's address: the LB IP is an accepted source too
        udp("shop/game:", "10.96.1.2", 7777).nodePort(31777).loadBalancerIp("192.168.60.12").externalLocal().healthCheckNodePort(32001)
            .sourceRange("192.168.50.0/24").ready("10.244.1.3", 7777, N1),
        // no endpoints: rejected for everyone, nothing to firewall
        tcp("shop/empty:", "10.96.1.3", 80).nodePort(31080).loadBalancerIp("192.168.60.13").sourceRange("203.0.113.0/24"),
        // ranges without a LoadBalancer IP: nothing
        tcp("shop/nodeport-only:", "10.96.1.4", 80).nodePort(31081).sourceRange("203.0.113.0/24").ready("10.244.1.4", 80, N1)));
    m.put("local-policies", of(
        tcp("default/etp-local:", "10.96.2.1", 80).nodePort(30100).loadBalancerIp("192.168.60.11").externalLocal().healthCheckNodePort(32000)
            .ready("10.244.1.2", 80, N1).ready("10.244.2.2", 80, N2),
        tcp("default/etp-local-remote-only:", "10.96.2.2", 80).nodePort(30101).externalLocal().ready("10.244.2.2", 80, N2),
        tcp("default/itp-local:", "10.96.2.3", 80).internalLocal().ready("10.244.1.3", 80, N1).ready("10.244.2.2", 80, N2),
        tcp("default/itp-local-remote-only:", "10.96.2.4", 80).internalLocal().ready("10.244.2.2", 80, N2),
        tcp("default/both-local:", "10.96.2.5", 80).nodePort(30102).internalLocal().externalLocal().ready("10.244.1.4", 80, N1).ready("10.244.2.2", 80, N2)));
    m.put("affinity", of(
        tcp("default/sticky:", "10.96.3.1", 80).affinity(Duration.ofSeconds(10800)).ready("10.244.1.2", 80, N1).ready("10.244.1.3", 80, N1)));
    m.put("no-endpoints", of(
        tcp("default/empty:", "10.96.4.1", 80).nodePort(30200).externalIp("192.168.60.30"),
        udp("default/empty-udp:", "10.96.4.2", 53).notReady("10.244.1.2", 53, N1)));
    m.put("terminating", of(
        tcp("default/rolling:", "10.96.5.1", 80).terminating("10.244.1.2", 80, N1).terminating("10.244.1.3", 80, N1),
        tcp("default/mixed:", "10.96.5.2", 80).terminating("10.244.1.2", 80, N1).ready("10.244.1.3", 80, N1)));
    m.put("multiport", of(
        tcp("default/web:http", "10.96.6.1", 80).ready("10.244.1.2", 80, N1).ready("10.244.1.3", 80, N1),
        tcp("default/web:metrics", "10.96.6.1", 8080).ready("10.244.1.2", 8080, N1).ready("10.244.1.3", 8080, N1)));
    m.put("udp-sctp", of(
        udp("kube-system/dns:dns", "10.96.0.53", 53).ready("10.244.1.2", 5353, N1).ready("10.244.1.3", 5353, N1),
        sctp("default/signal:", "10.96.7.1", 80).nodePort(30300).ready("10.244.1.4", 80, N1)));
    return m;
  }
}
