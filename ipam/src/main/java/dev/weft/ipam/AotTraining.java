package dev.weft.ipam;

import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.PluginRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * AOT training run for weft-ipam (make-dist runs it with -XX:AOTCacheOutput): VERSION, ADD, CHECK,
 * STATUS, GC, DEL and a few error paths through {@link PluginRunner} on a temporary dataDir, so the
 * cache holds the classes a real call loads. Needs no root; prints only a summary line; exits 0.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("weft-ipam-aot");
    int calls = 0;
    try {
      String conf = "{\"cniVersion\":\"%s\",\"name\":\"aot\",\"type\":\"bridge\",\"ipam\":{\"type\":\"weft-ipam\",\"dataDir\":\"" + dir
          + "\",\"ranges\":[[{\"subnet\":\"10.254.0.0/24\"}],[{\"subnet\":\"fd00:aaaa::/64\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}%s}";
      for (int round = 0; round < 3; round++) {
        for (String v : new String[] {"1.1.0", "1.0.0", "0.4.0"}) {
          String c = String.format(conf, v, "");
          String id = "aot" + round + v.replace(".", "");
          run("VERSION", id, c, dir);
          run("ADD", id, c, dir);
          run("ADD", id, c, dir);
          run("CHECK", id, c, dir);
          run("STATUS", id, c, dir);
          run("DEL", id, c, dir);
          run("DEL", id, c, dir);
          calls += 7;
        }
        run("GC", "x", String.format(conf, "1.1.0", ",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]"), dir);
        run("ADD", "bad", "{not json", dir);
        run("ADD", "bad", "{\"cniVersion\":\"1.1.0\",\"name\":\"aot\",\"type\":\"x\",\"ipam\":{\"ranges\":[[{\"subnet\":\"10.0.0.0/31\"}]]}}", dir);
        run("NOPE", "bad", "", dir);
        calls += 4;
      }
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.out.println("weft-ipam AOT training: " + calls + " calls");
  }

  private static int run(String cmd, String id, String conf, Path dir) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", "/var/run/netns/aot");
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAME=aot");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // a real log file (in the temp dir), so the logging path is in the cache too; nothing on stderr
    PluginLog log = PluginLog.toFile("weft-ipam", dir.resolve("log/cni.log"), null);
    return PluginRunner.run(new IpamPlugin(log), env, new ByteArrayInputStream(conf.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), log);
  }
}
