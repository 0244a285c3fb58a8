package dev.weft.cni;

import dev.weft.kernel.NetNs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The training run behind weft-cni's AOT cache ({@code make build}): real ADD, CHECK, STATUS, GC
 * and DEL of a pod, in two namespaces made for the purpose and removed afterwards (never in the
 * namespace the build runs in), so the classes and methods of the hot path are in the cache.
 * Without root it trains on config parsing and the error path only.
 */
public final class AotTraining {
  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    // Every class this process loads goes into the cache, which a CNI call preloads at start-up (~20 us
    // a class): so no scaffolding that the plugin itself never uses — no String.format (Formatter,
    // regex), no createTempDirectory (SecureRandom, security providers), no `id -u` subprocess.
    Class.forName(StartupFloor.class.getName()); // the benchmark's floor, from the cache like CniMain
    long pid = ProcessHandle.current().pid();
    String tag = "wftaot" + pid;
    Path dataDir = Path.of("/tmp/weft-aot-ipam-" + pid);
    Files.createDirectories(dataDir);
    Path logFile = dataDir.resolve("cni.log");
    String conf = """
        {"cniVersion":"1.1.0","name":"aot","type":"weft-cni","bridge":"wftaot0","isDefaultGateway":true,
         "ipMasq":true,"hairpinMode":true,"logFile":"%LOG%",
         "runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]},
         "ipam":{"type":"weft-ipam","dataDir":"%DATA%","ranges":[[{"subnet":"10.250.0.0/24"}],[{"subnet":"fd00:250::/64"}]],
                 "routes":[{"dst":"0.0.0.0/0"}]}}""".replace("%LOG%", logFile.toString()).replace("%DATA%", dataDir.toString());
    // the common shape: an older cniVersion, IPv4 only, no NAT, log file from the environment
    String plain = """
        {"cniVersion":"1.0.0","name":"aot","type":"weft-cni","bridge":"wftaot1","isGateway":true,"isDefaultGateway":true,
         "hairpinMode":true,"ipMasq":false,"ipam":{"type":"weft-ipam","dataDir":"%DATA%","ranges":[[{"subnet":"10.251.0.0/24"}]]}}"""
        .replace("%DATA%", dataDir.toString());
    if (!"root".equals(System.getProperty("user.name"))) {
      invoke("ADD", conf, "", logFile); // fails early on the empty CNI_NETNS: trains parsing and errors
      deleteTree(dataDir);
      return;
    }
    Path host = NetNs.create(tag + "h");
    Path pod = NetNs.create(tag + "p");
    try {
      NetNs.run(host, () -> {
        for (int i = 0; i < 3; i++) {
          String added = invoke("ADD", conf, pod.toString(), logFile);
          invoke("STATUS", conf, "", logFile);
          invoke("DEL", withPrevResult(conf, added), pod.toString(), logFile);
          added = invoke("ADD", plain, pod.toString(), logFile);
          invoke("DEL", withPrevResult(plain, added), pod.toString(), logFile);
        }
        invoke("GC", conf.replace("\"runtimeConfig\"", "\"cni.dev/valid-attachments\":[],\"runtimeConfig\""), "", logFile);
      });
    } finally {
      NetNs.delete(tag + "p");
      NetNs.delete(tag + "h");
      deleteTree(dataDir);
    }
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
      try (var children = Files.newDirectoryStream(p)) {
        for (Path c : children) deleteTree(c);
      }
    Files.deleteIfExists(p);
  }

  /** The DEL config as libcni sends it: the network config with the ADD result as prevResult. */
  private static String withPrevResult(String conf, String result) {
    String c = conf.strip();
    return result.strip().startsWith("{") ? c.substring(0, c.length() - 1) + ",\"prevResult\":" + result.strip() + "}" : conf;
  }

  /** Runs one call; returns its stdout. */
  private static String invoke(String command, String conf, String netns, Path logFile) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", "aot-training");
    env.put("CNI_NETNS", netns);
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/usr/lib/cni");
    env.put("WEFT_CNI_LOG", logFile.toString());
    var bytes = new ByteArrayOutputStream();
    var out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    // main's own path (CniMain.run: log file, runner), so all of it is in the cache
    CniMain.run(env, new ByteArrayInputStream(conf.getBytes(StandardCharsets.UTF_8)), out, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
