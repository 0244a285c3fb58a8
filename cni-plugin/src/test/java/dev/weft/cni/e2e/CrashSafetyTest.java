package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.RootTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * (9) kill -9 during ADD at points spread over the plugin's run; the following DEL (or GC) leaves
 * nothing, and the same container can then be ADDed again.
 */
@RootTest
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashSafetyTest {
  static final int RUNS = 12;
  private Lab lab;
  private String host;
  private Net net;
  private ObjectNode conf;

  @BeforeEach
  void setUp() {
    lab = new Lab();
    host = lab.ns("host");
    net = lab.net(host);
    conf = net.config();
    conf.put("cniVersion", "1.1.0");
    conf.put("ipMasq", true);
    conf.putObject("runtimeConfig").putArray("portMappings").addObject()
        .put("hostPort", 18282).put("containerPort", 80).put("protocol", "tcp");
  }

  @AfterEach
  void tearDown() {
    if (lab != null) lab.close();
  }

  /** Delays spread from 5 ms to a bit past a whole ADD (at least 150 ms), with jitter. */
  private List<Long> delays() {
    String pod = lab.ns("cal");
    Exec.Out o = net.add("calibrate", pod).config(conf).run();
    CniAssert.success(o);
    net.del("calibrate", pod).config(conf).quiet();
    long span = Math.max(300, o.millis() + 20);
    List<Long> d = new ArrayList<>();
    int half = RUNS / 2;
    // half over 5-150 ms (mostly JVM start), half over the rest of the run where the kernel is changed
    for (int k = 0; k < half; k++) d.add(5 + 145L * k / (half - 1) + ThreadLocalRandom.current().nextLong(0, 8));
    for (int k = 1; k <= RUNS - half; k++) d.add(150 + (span - 150) * k / (RUNS - half) + ThreadLocalRandom.current().nextLong(0, 8));
    System.out.println("a whole ADD takes " + o.millis() + " ms; kill delays " + d);
    return d;
  }

  private String leftovers(String pod, String cid) {
    Set<String> hostLinks = new TreeSet<>(Obs.linkNames(host));
    hostLinks.remove("lo");
    hostLinks.remove(net.bridge);
    String rules = Obs.rules(host);
    return "host links " + hostLinks + ", pod links " + Obs.linkNames(pod) + ", files " + net.ipFiles().keySet()
        + ", addresses in rules " + Obs.podAddressesIn(rules, net.prefix, net.gateway)
        + (Obs.namesContainer(rules, cid) ? ", rules name " + cid : "") + (rules.contains("18282") ? ", hostPort rule" : "");
  }

  private void assertClean(String pod, String cid, String ctx) {
    assertClean(pod, cid, ctx, true);
  }

  /** {@code pod == null}: the sandbox is gone as far as the runtime knows (GC), its insides don't count. */
  private void assertClean(String pod, String cid, String ctx, boolean checkPod) {
    Set<String> hostLinks = new TreeSet<>(Obs.linkNames(host));
    hostLinks.remove("lo");
    hostLinks.remove(net.bridge);
    assertEquals(Set.of(), hostLinks, "host links left " + ctx);
    if (checkPod) assertEquals(Set.of("lo"), Obs.linkNames(pod), "pod links left " + ctx);
    assertEquals(Map.of(), net.ipFiles(), "reservations left " + ctx);
    String rules = Obs.rules(host);
    assertEquals(Set.of(), Obs.podAddressesIn(rules, net.prefix, net.gateway), "pod addresses in rules " + ctx + ":\n" + rules);
    assertFalse(Obs.namesContainer(rules, cid), "rules name " + cid + " " + ctx + ":\n" + rules);
    assertFalse(rules.contains("18282"), "hostPort rule left " + ctx + ":\n" + rules);
  }

  /** Nothing the killed plugin started (nft, iptables-restore, an IPAM plugin) lives on in the host namespace. */
  private void assertNoOrphans(String ctx) throws InterruptedException {
    String pids = "";
    for (int i = 0; i < 30; i++) {
      pids = dev.weft.kernel.testing.Sh.runQuietly("ip", "netns", "pids", host).strip();
      if (pids.isEmpty()) return;
      Thread.sleep(100);
    }
    StringBuilder b = new StringBuilder();
    for (String pid : pids.split("\\s+")) b.append("\n  ").append(pid).append(": ").append(Exec.read(java.nio.file.Path.of("/proc", pid, "cmdline")).replace('\0', ' '));
    throw new AssertionError("processes left running in the host namespace " + ctx + ":" + b);
  }

  private void addAgainWorks(String pod, String cid, String ctx) {
    JsonNode r = net.add(cid, pod).config(conf).ok();
    String cidr = Shape.add(r, "1.1.0", net, pod, "eth0");
    assertEquals(List.of(cidr), Obs.addrs4(pod, "eth0"), "re-ADD " + ctx);
    net.del(cid, pod).config(conf).quiet();
    assertClean(pod, cid, "after re-ADD and DEL " + ctx);
  }

  @Test
  void killedAddThenDelLeavesNothing() throws InterruptedException {
    List<String> seen = new ArrayList<>();
    int k = 0;
    for (long delay : delays()) {
      String pod = lab.ns("k" + k);
      String cid = "crash-" + k++;
      Exec.Running add = net.add(cid, pod).config(conf).start();
      Thread.sleep(delay);
      add.kill9();
      String ctx = "(ADD of " + cid + " killed after " + delay + " ms)";
      seen.add(delay + " ms: " + leftovers(pod, cid));
      net.del(cid, pod).config(conf).quiet();
      assertClean(pod, cid, ctx);
      assertNoOrphans(ctx);
      addAgainWorks(pod, cid, ctx);
    }
    System.out.println("left by killed ADDs before DEL:\n  " + String.join("\n  ", seen));
  }

  @Test
  void killedAddThenGcLeavesNothing() throws InterruptedException {
    List<Long> delays = delays();
    List<String> seen = new ArrayList<>();
    for (int k = 0; k < RUNS; k += 2) {
      long delay = delays.get(k);
      String pod = lab.ns("g" + k);
      String cid = "gcrash-" + k;
      Exec.Running add = net.add(cid, pod).config(conf).start();
      Thread.sleep(delay);
      add.kill9();
      String ctx = "(ADD of " + cid + " killed after " + delay + " ms, then GC)";
      seen.add(delay + " ms: " + leftovers(pod, cid));
      net.call("GC").config(GcTest.gcConfig(conf)).quiet();
      assertClean(pod, cid, ctx, false);
      assertNoOrphans(ctx);
      addAgainWorks(lab.ns("r" + k), cid, ctx); // a runtime re-creates the sandbox
    }
    System.out.println("left by killed ADDs before GC:\n  " + String.join("\n  ", seen));
  }
}
