package dev.weft.kernel;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.testing.RootTest;
import dev.weft.kernel.testing.Sh;
import dev.weft.kernel.testing.TestNetns;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SysctlTest {
  private final TestNetns netns = new TestNetns();

  @AfterEach
  void tearDown() {
    netns.close();
  }

  @Test
  void keysMapToProcSys() {
    assertEquals("/proc/sys/net/ipv4/conf/eth0/arp_notify", Sysctl.path("net.ipv4.conf.eth0.arp_notify"));
    assertEquals("/proc/sys/net/ipv4/conf/eth0.10/rp_filter", Sysctl.path("net/ipv4/conf/eth0.10/rp_filter"));
    for (String bad : new String[] {"", "/etc/passwd", "net/../../etc", "net..ipv4", ".net"})
      assertThrows(IllegalArgumentException.class, () -> Sysctl.path(bad), bad);
  }

  @RootTest
  @Test
  void setAndGetInAnotherNamespace() {
    String ns = netns.create("s");
    Path p = TestNetns.path(ns);
    Sh.run("ip", "-n", ns, "link", "add", "eth0.10", "type", "bridge");
    NetNs.run(p, () -> {
      Sysctl.set("net.ipv4.ip_forward", "1");
      Sysctl.set("net/ipv4/conf/eth0.10/rp_filter", "2");
      assertEquals("1", Sysctl.get("net.ipv4.ip_forward"));
    });
    assertEquals("net.ipv4.ip_forward = 1", Sh.run("ip", "netns", "exec", ns, "sysctl", "net.ipv4.ip_forward").trim());
    assertEquals("2", Sh.run("ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/conf/eth0.10/rp_filter").trim());
    var e = assertThrows(KernelException.class, () -> NetNs.run(p, () -> Sysctl.get("net.ipv4.conf.nope0.rp_filter")));
    assertEquals(Errno.ENOENT, e.errno());
    var inval = assertThrows(KernelException.class, () -> NetNs.run(p, () -> Sysctl.set("net.ipv4.ip_forward", "notanumber")));
    assertEquals(Errno.EINVAL, inval.errno());
  }
}
