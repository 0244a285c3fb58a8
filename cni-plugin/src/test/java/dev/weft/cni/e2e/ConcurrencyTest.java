package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** (8) 50 ADDs at once on one bridge, then 50 DELs at once: no lost update, no leftover. */
@RootTest
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ConcurrencyTest {
  static final int N = 50;
  private Lab lab;

  @BeforeEach
  void setUp() {
    lab = new Lab();
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  @Test
  void fiftyConcurrentAddsThenFiftyConcurrentDels() {
    String host = lab.ns("host");
    Net net = lab.net(host);
    ObjectNode conf = net.config();
    conf.put("ipMasq", true);
    List<String> pods = new ArrayList<>();
    for (int i = 0; i < N; i++) pods.add(lab.ns("c" + i));

    long t0 = System.nanoTime();
    List<Exec.Running> adds = new ArrayList<>();
    for (int i = 0; i < N; i++) adds.add(net.add("conc-" + i, pods.get(i)).config(conf).start());
    List<String> failures = new ArrayList<>();
    Map<Integer, String> ips = new TreeMap<>();
    for (int i = 0; i < N; i++) {
      Exec.Out o = adds.get(i).await(120);
      try {
        JsonNode r = CniAssert.success(o);
        ips.put(i, Obs.ip(Shape.add(r, "1.0.0", net, pods.get(i), "eth0")));
      } catch (AssertionError e) {
        failures.add("ADD conc-" + i + ": " + e.getMessage());
      }
    }
    long addMs = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(N + " concurrent ADDs took " + addMs + " ms");
    assertEquals(List.of(), failures, "every concurrent ADD succeeds");
    assertEquals(N, new HashSet<>(ips.values()).size(), "50 distinct addresses: " + ips);

    // independent observers: files, pod addresses, bridge ports, traffic
    Map<String, String> files = net.ipFiles();
    assertEquals(N, files.size(), "one reservation file per pod: " + files.keySet());
    for (var e : ips.entrySet()) {
      assertEquals("conc-" + e.getKey() + "\r\neth0", files.get(e.getValue()), "file of " + e.getValue());
      assertEquals(List.of(e.getValue() + "/24"), Obs.addrs4(pods.get(e.getKey()), "eth0"), "address in pod " + e.getKey());
    }
    Set<String> ports = new HashSet<>();
    for (JsonNode p : Obs.bridgePorts(host)) if (net.bridge.equals(p.path("master").asText())) ports.add(p.get("ifname").asText());
    assertEquals(N, ports.size(), "50 ports on the one bridge");
    assertEquals(N, net.weftVeths().size(), "50 aliased host veths");
    assertTrue(Obs.ping(pods.get(0), ips.get(N - 1), 3), "first pod reaches the last");
    assertTrue(Obs.ping(pods.get(N / 2), net.gateway, 3), "a middle pod reaches the gateway");

    long t1 = System.nanoTime();
    List<Exec.Running> dels = new ArrayList<>();
    for (int i = 0; i < N; i++) dels.add(net.del("conc-" + i, pods.get(i)).config(conf).start());
    for (int i = 0; i < N; i++) {
      Exec.Out o = dels.get(i).await(120);
      try {
        CniAssert.noStackTrace(o);
        if (o.exit() != 0) throw new AssertionError("exit " + o.exit() + ": " + o.stdout().strip() + " " + o.stderr().strip());
      } catch (AssertionError e) {
        failures.add("DEL conc-" + i + ": " + e.getMessage());
      }
    }
    System.out.println(N + " concurrent DELs took " + (System.nanoTime() - t1) / 1_000_000 + " ms");
    assertEquals(List.of(), failures, "every concurrent DEL succeeds");
    assertEquals(Map.of(), net.ipFiles(), "no reservation left");
    assertEquals(List.of(), net.weftVeths(), "no host veth left");
    String rules = Obs.rules(host);
    assertEquals(Set.of(), Obs.podAddressesIn(rules, net.prefix, net.gateway), "no masquerade left:\n" + rules);
    for (String p : pods) assertEquals(Set.of("lo"), Obs.linkNames(p), "pod " + p + " emptied");
  }
}
