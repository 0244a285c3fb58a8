package dev.weft.ipam;

import static dev.weft.ipam.IpamFixture.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.cni.protocol.Json;
import dev.weft.kernel.FileLock;
import dev.weft.kernel.testing.Sh;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft-ipam and the real host-local (Debian containernetworking-plugins 1.1.1) on the same data directory. */
class HostLocalCompatTest {
  static final Path HOST_LOCAL = Path.of("/usr/lib/cni/host-local");
  static final String RANGES = "\"ranges\":[[{\"subnet\":\"10.9.0.0/24\"}],[{\"subnet\":\"fd00:9::/64\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]";
  @TempDir Path tmp;

  @BeforeAll
  static void needHostLocal() {
    assumeTrue(Files.isExecutable(HOST_LOCAL), "the reference host-local is not installed");
  }

  static Sh.Result hostLocal(String cmd, String conf, String id, String ifname) {
    return Sh.exec(Map.of("CNI_COMMAND", cmd, "CNI_CONTAINERID", id, "CNI_NETNS", "/run/netns/none", "CNI_IFNAME", ifname,
        "CNI_PATH", "/usr/lib/cni"), conf.getBytes(StandardCharsets.UTF_8), List.of(HOST_LOCAL.toString()));
  }

  static String hostLocalAdd(String conf, String id) {
    Sh.Result r = hostLocal("ADD", conf, id, "eth0").orThrow("host-local ADD " + id);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) Json.parse(r.out());
    return ((Map<?, ?>) ((List<?>) m.get("ips")).get(0)).get("address").toString();
  }

  /** Name → bytes (+ mode) of every file in a directory. */
  static Map<String, String> snapshot(Path dir) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (name.equals("lock")) continue;
        m.put(name, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1) + " mode="
            + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
      }
    }
    return m;
  }

  @Test
  void sameCallsGiveByteIdenticalDirectories() throws Exception {
    IpamFixture hl = new IpamFixture(tmp.resolve("hl"), "net", "1.0.0");
    IpamFixture wf = new IpamFixture(tmp.resolve("wf"), "net", "1.0.0");
    for (String id : List.of("c1", "c2", "c3")) {
      hostLocal("ADD", hl.conf(RANGES, ""), id, "eth0").orThrow("host-local ADD");
      add(wf.conf(RANGES, ""), id);
    }
    hostLocal("DEL", hl.conf(RANGES, ""), "c2", "eth0").orThrow("host-local DEL");
    new Ipam(parse(wf.conf(RANGES, "")), null).release("c2", "eth0");
    hostLocal("ADD", hl.conf(RANGES, ""), "c4", "eth1").orThrow("host-local ADD");
    ipam(wf.conf(RANGES, ""), "c4", "eth1", "").add();
    Map<String, String> expected = snapshot(hl.netDir());
    assertEquals("c1\r\neth0 mode=rw-r--r--", expected.get("10.9.0.2"));
    assertEquals("fd00:9::5 mode=rw-r--r--", expected.get("last_reserved_ip.1"));
    assertEquals(expected, snapshot(wf.netDir()));
  }

  @Test
  void weftAllocatesAroundAndReleasesHostLocalReservations() throws Exception {
    String c = new IpamFixture(tmp, "net", "1.0.0").conf(RANGES, "");
    assertEquals("10.9.0.2/24", hostLocalAdd(c, "hl1"));
    assertEquals("10.9.0.3/24", hostLocalAdd(c, "hl2"));
    assertEquals(List.of("10.9.0.4/24", "fd00:9::4/64"), addresses(add(c, "w1")));
    assertEquals(List.of(AllocationTest.ip("10.9.0.2"), AllocationTest.ip("fd00:9::2")),
        new Ipam(parse(c), null).release("hl1", "eth0"));
    assertEquals("10.9.0.5/24", hostLocalAdd(c, "hl3")); // host-local continues after weft's last_reserved_ip
    new Ipam(parse(c), null).check("hl2", "eth0");
  }

  @Test
  void hostLocalAllocatesAroundAndReleasesWeftReservations() throws Exception {
    String c = new IpamFixture(tmp, "net", "1.0.0").conf(RANGES, "");
    add(c, "w1");
    add(c, "w2");
    assertEquals("10.9.0.4/24", hostLocalAdd(c, "hl1"));
    Sh.Result dup = hostLocal("ADD", c, "w1", "eth0");
    assertTrue(dup.out().contains("duplicate allocation"), "host-local sees weft's reservation: " + dup.out());
    hostLocal("DEL", c, "w1", "eth0").orThrow("host-local DEL");
    assertEquals(List.of(), new Ipam(parse(c), null).reserved("w1", "eth0"));
    hostLocal("CHECK", c, "w2", "eth0").orThrow("host-local CHECK on weft's reservation");
  }

  @Test
  void theLockExcludesHostLocal() throws Exception {
    IpamFixture f = new IpamFixture(tmp, "net", "1.0.0");
    String c = f.conf(RANGES, "");
    Files.createDirectories(f.netDir());
    CompletableFuture<Sh.Result> running;
    try (FileLock lock = FileLock.exclusive(f.netDir().resolve("lock"))) {
      running = CompletableFuture.supplyAsync(() -> hostLocal("ADD", c, "hl1", "eth0"));
      Thread.sleep(400);
      assertFalse(running.isDone(), "host-local must wait for weft's flock");
    }
    assertEquals(0, running.get(10, TimeUnit.SECONDS).exit());
  }
}
