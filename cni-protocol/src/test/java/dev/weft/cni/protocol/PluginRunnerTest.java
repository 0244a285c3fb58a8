package dev.weft.cni.protocol;

import static org.junit.jupiter.api.Assertions.*;

import dev.weft.kernel.IpPrefix;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRunnerTest {
  @TempDir Path tmp;
  final List<String> calls = new ArrayList<>();
  RuntimeException blowUp;

  final CniPlugin plugin = new CniPlugin() {
    @Override
    public Result add(CniEnv env, NetworkConfig conf) {
      calls.add("add " + env.containerId());
      if (blowUp != null) throw blowUp;
      return new Result("0.0.0", null, List.of(new Result.IpConfig(IpPrefix.parse("10.1.0.5/24"), IpPrefix.parseAddress("10.1.0.1"), null)),
          null, null);
    }

    @Override
    public void del(CniEnv env, NetworkConfig conf) {
      calls.add("del " + env.netns());
    }

    @Override
    public void check(CniEnv env, NetworkConfig conf) throws CniError {
      calls.add("check");
      throw new CniError(CniError.UNKNOWN_CONTAINER, "gone", "really");
    }

    @Override
    public void status(NetworkConfig conf) {
      calls.add("status");
    }

    @Override
    public void gc(NetworkConfig conf, Set<Attachment> valid) {
      calls.add("gc " + valid);
    }
  };

  record Out(int rc, String stdout) {
    Map<?, ?> json() {
      return (Map<?, ?>) Json.parse(stdout);
    }
  }

  Out run(String cmd, String stdin) {
    return run(cmd, stdin, tmp.resolve("log/cni.log"));
  }

  Out run(String cmd, String stdin, Path logFile) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", "c1");
    env.put("CNI_NETNS", cmd.equals("DEL") ? "" : "/run/netns/p");
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/opt/cni/bin");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PluginLog log = PluginLog.toFile("test", logFile, new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc = PluginRunner.run(plugin, env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), log);
    return new Out(rc, out.toString(StandardCharsets.UTF_8));
  }

  static String conf(String v) {
    return "{\"cniVersion\":\"" + v + "\",\"name\":\"n\",\"type\":\"t\",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}";
  }

  @Test
  void addPrintsTheResultInTheNegotiatedShape() {
    Out o = run("ADD", conf("0.4.0"));
    assertEquals(0, o.rc());
    assertEquals("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/24\",\"gateway\":\"10.1.0.1\"}],\"dns\":{}}",
        o.stdout());
    o = run("ADD", "{\"cniVersion\":\"1.0.0\",\"cniVersions\":[\"1.1.0\"],\"name\":\"n\",\"type\":\"t\"}");
    assertEquals("1.1.0", o.json().get("cniVersion"));
  }

  @Test
  void versionNeedsNoConfig() {
    for (String in : List.of("", "garbage", "{\"cniVersion\":\"0.4.0\"}")) {
      Out o = run("VERSION", in);
      assertEquals(0, o.rc());
      assertEquals(CniVersion.SUPPORTED, o.json().get("supportedVersions"));
    }
    assertEquals("0.4.0", run("VERSION", "{\"cniVersion\":\"0.4.0\"}").json().get("cniVersion"));
  }

  @Test
  void verbsGatedByVersion() {
    Out o = run("CHECK", conf("0.3.1"));
    assertEquals(1, o.rc());
    assertEquals(1L, o.json().get("code"));
    assertEquals("config version does not allow CHECK", o.json().get("msg"));
    assertEquals(1L, run("STATUS", conf("1.0.0")).json().get("code"));
    assertEquals(1L, run("GC", conf("1.0.0")).json().get("code"));
    assertTrue(calls.isEmpty());
    assertEquals(0, run("STATUS", conf("1.1.0")).rc());
    assertEquals(0, run("GC", conf("1.1.0")).rc());
    assertEquals(List.of("status", "gc [Attachment[containerId=a, ifname=eth0]]"), calls);
  }

  @Test
  void pluginErrorsAndDel() {
    Out o = run("CHECK", conf("1.0.0"));
    assertEquals(1, o.rc());
    assertEquals(Map.of("cniVersion", "1.0.0", "code", 3L, "msg", "gone", "details", "really"), o.json());
    o = run("DEL", conf("1.0.0"));
    assertEquals(0, o.rc());
    assertEquals("", o.stdout());
    assertEquals("del null", calls.getLast());
  }

  @Test
  void unexpectedExceptionsBecomeCode5WithoutAStackTrace() throws Exception {
    blowUp = new IllegalStateException("boom");
    Out o = run("ADD", conf("1.1.0"));
    assertEquals(1, o.rc());
    assertEquals(5L, o.json().get("code"));
    assertTrue(((String) o.json().get("msg")).contains("boom"));
    assertFalse(o.stdout().contains("\tat "));
    String log = Files.readString(tmp.resolve("log/cni.log"));
    assertTrue(log.contains("ADD c1 eth0 ERROR"), log);
    assertTrue(log.contains("at dev.weft"), "stack trace in the log");
  }

  @Test
  void badInputs() {
    assertEquals(6L, run("ADD", "nope").json().get("code"));
    assertEquals(7L, run("ADD", "{\"cniVersion\":\"1.0.0\"}").json().get("code"));
    Out o = run("ADD", "{\"cniVersion\":\"0.2.0\",\"name\":\"n\",\"type\":\"t\"}");
    assertEquals(1L, o.json().get("code"));
    assertEquals("0.2.0", o.json().get("cniVersion"));
    assertEquals(4L, run("BOGUS", conf("1.0.0")).json().get("code"));
    assertTrue(calls.isEmpty());
  }

  @Test
  void logFileFromConfigAndUnwritableLogIsHarmless() throws Exception {
    Path custom = tmp.resolve("custom/x.log");
    String c = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"t\",\"logFile\":\"" + custom + "\"}";
    assertEquals(0, run("ADD", c).rc());
    assertTrue(Files.readString(custom).contains("ADD c1 eth0 INFO start"));
    Files.writeString(tmp.resolve("file"), "x");
    assertEquals(0, run("ADD", conf("1.0.0"), tmp.resolve("file/sub/log")).rc());
    PluginLog std = PluginLog.standard("t", Map.of("WEFT_CNI_LOG", tmp.resolve("env.log").toString()), null);
    assertEquals(tmp.resolve("env.log"), std.file());
    assertEquals(Path.of(PluginLog.DEFAULT_FILE), PluginLog.standard("t", Map.of(), null).file());
  }

  @Test
  void timestampsMatchJavaTime() {
    for (long t : new long[] {0L, 951_782_400_000L, 1_763_773_323_456L, 4_102_444_799_999L, -86_400_001L})
      assertEquals(java.time.Instant.ofEpochMilli(t).toString().replaceFirst("Z$", "").replaceFirst("(\\.\\d{3})?$", ""),
          PluginLog.timestamp(t).replaceFirst("\\.\\d{3}Z$", ""), "at " + t);
    assertEquals("2025-11-22T01:02:03.456Z", PluginLog.timestamp(java.time.Instant.parse("2025-11-22T01:02:03.456Z").toEpochMilli()));
  }

  @Test
  void logLinesCarryThisProcessId() {
    assertEquals(Long.toString(ProcessHandle.current().pid()), PluginLog.pid());
  }
}
