package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@RootTest
class NetNsTest {
  private final TestNetns netns = new TestNetns();
  private String created;

  @AfterEach
  void tearDown() {
    if (created != null) Sh.runQuietly("ip", "netns", "del", created);
    netns.close();
  }

  /** The namespace inode of a /run/netns file or /proc/.../ns/net link, as "net:[N]". */
  private static String nsId(Path p) throws IOException {
    return "net:[" + Files.getAttribute(p, "unix:ino") + "]";
  }

  private static String threadNs() throws IOException {
    return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
  }

  @Test
  void callRunsInTheNamespaceAndTheCallerStaysPut() throws Exception {
    Path p = TestNetns.path(netns.create("a"));
    String before = threadNs();
    Thread caller = Thread.currentThread();
    String inside = NetNs.call(p, () -> {
      assertNotSame(caller, Thread.currentThread());
      assertFalse(Thread.currentThread().isVirtual());
      return threadNs();
    });
    assertEquals(nsId(p), inside);
    assertNotEquals(before, inside);
    assertEquals(before, threadNs(), "the caller's thread must not change namespace");
  }

  @Test
  void callOnThisThreadSwitchesTheCallerAndBack() throws Exception {
    String ns = netns.create("t");
    Path p = TestNetns.path(ns);
    String before = threadNs();
    Thread caller = Thread.currentThread();
    String inside = NetNs.callOnThisThread(p, () -> {
      assertSame(caller, Thread.currentThread());
      return threadNs();
    });
    assertEquals(nsId(p), inside);
    assertEquals(before, threadNs(), "the caller's thread must be back in its namespace");
    // a failing body: the same exception as call() gives, and the thread is back too
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> NetNs.callOnThisThread(p, () -> {
      throw new IllegalStateException("boom");
    }));
    assertEquals("boom", e.getMessage());
    assertThrows(UncheckedIOException.class, () -> NetNs.callOnThisThread(p, () -> {
      throw new IOException("io");
    }));
    assertEquals(before, threadNs());
    // sockets made inside act there, as with call()
    try (Rtnl r = NetNs.callOnThisThread(p, Rtnl::open)) {
      r.addBridge("here0", 0);
    }
    assertEquals(before, threadNs());
    assertEquals("here0", Sh.ip(ns, "link", "show", "dev", "here0").get(0).get("ifname").asText());
  }

  @Test
  void callOnThisThreadFromAVirtualThreadUsesAHelper() throws Exception {
    Path p = TestNetns.path(netns.create("v"));
    String[] seen = new String[2];
    Thread vt = Thread.ofVirtual().start(() -> seen[0] = NetNs.callOnThisThread(p, () -> {
      seen[1] = String.valueOf(Thread.currentThread().isVirtual());
      return threadNs();
    }));
    vt.join();
    assertEquals(nsId(p), seen[0]);
    assertEquals("false", seen[1]);
  }

  @Test
  void callOnThisThreadOnAMissingNamespaceNamesIt() {
    KernelException e = assertThrows(KernelException.class, () -> NetNs.callOnThisThread(Path.of("/run/netns/wft-none-such"), () -> 1));
    assertTrue(e.getMessage().contains("enter netns /run/netns/wft-none-such"), e.getMessage());
  }

  @Test
  void socketsCreatedInsideActThere() {
    String ns = netns.create("b");
    NetNs.run(TestNetns.path(ns), () -> {
      try (Rtnl r = Rtnl.open()) {
        r.addBridge("inside0", 0);
      }
    });
    assertEquals("inside0", Sh.ip(ns, "link", "show", "dev", "inside0").get(0).get("ifname").asText());
  }

  /**
   * The answer other modules rely on: a child started with ProcessBuilder inside NetNs.call runs in
   * that namespace (the JDK spawns from the calling thread and the child copies its namespaces).
   */
  @Test
  void processBuilderChildInheritsTheNamespace() throws Exception {
    Path p = TestNetns.path(netns.create("c"));
    String childNs = NetNs.call(p, () -> {
      Process proc = new ProcessBuilder("readlink", "/proc/self/ns/net").start();
      String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertEquals(0, proc.waitFor());
      return out;
    });
    assertEquals(nsId(p), childNs);
    String ipOut = NetNs.call(p, () -> new String(new ProcessBuilder("ip", "-o", "link").start().getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    assertEquals(1, ipOut.lines().count(), "only lo in a fresh namespace: " + ipOut);
  }

  @Test
  void exceptionsPropagate() {
    Path p = TestNetns.path(netns.create("d"));
    var unchecked = new IllegalStateException("boom");
    assertSame(unchecked, assertThrows(IllegalStateException.class, () -> NetNs.run(p, () -> { throw unchecked; })));
    var io = new IOException("io");
    assertSame(io, assertThrows(UncheckedIOException.class, () -> NetNs.run(p, () -> { throw io; })).getCause());
    var checked = new Exception("checked");
    assertSame(checked, assertThrows(RuntimeException.class, () -> NetNs.call(p, () -> { throw checked; })).getCause());
    var err = new AssertionError("assert");
    assertSame(err, assertThrows(AssertionError.class, () -> NetNs.run(p, () -> { throw err; })));
  }

  @Test
  void missingNamespaceIsAKernelException() {
    var e = assertThrows(KernelException.class, () -> NetNs.run(Path.of("/run/netns/wft-does-not-exist"), () -> {}));
    assertEquals(Errno.ENOENT, e.errno());
    var notNs = assertThrows(KernelException.class, () -> NetNs.run(Path.of("/etc/hostname"), () -> {}));
    assertEquals(Errno.EINVAL, notNs.errno());
  }

  @Test
  void createAndDeleteLikeIproute2() throws Exception {
    created = "wft" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff)) + "-own";
    Path p = NetNs.create(created);
    assertEquals(Path.of("/run/netns", created), p);
    assertTrue(Sh.run("ip", "netns", "list").contains(created));
    assertTrue(NetNs.exists(p));
    Sh.run("ip", "-n", created, "link", "add", "probe0", "type", "bridge");
    assertNotEquals(nsId(Path.of("/proc/self/ns/net")), nsId(p));
    var dup = assertThrows(KernelException.class, () -> NetNs.create(created));
    assertEquals(Errno.EEXIST, dup.errno());
    NetNs.delete(created);
    assertFalse(Files.exists(p));
    assertFalse(NetNs.exists(p));
    assertFalse(Sh.run("ip", "netns", "list").contains(created));
    assertEquals(Errno.ENOENT, assertThrows(KernelException.class, () -> NetNs.delete(created)).errno());
    created = null;
  }

  @Test
  void existsOnlyForNetworkNamespaces() {
    assertTrue(NetNs.exists(Path.of("/proc/self/ns/net")));
    assertFalse(NetNs.exists(Path.of("/proc/self/ns/mnt")));
    assertFalse(NetNs.exists(Path.of("/etc/hostname")));
    assertFalse(NetNs.exists(Path.of("/nonexistent")));
  }
}
