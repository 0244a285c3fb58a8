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
    String tag = "wftaot" + ProcessHandle.current().pid();
    Path dataDir = Files.createTempDirectory("weft-aot-ipam");
    Path logFile = dataDir.resolve("cni.log");
    String conf = """
        {"cniVersion":"1.1.0","name":"aot","type":"weft-cni","bridge":"wftaot0","isDefaultGateway":true,
         "ipMasq":true,"hairpinMode":true,"logFile":"%s",
         "runtimeConfig":{"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]},
         "ipam":{"type":"weft-ipam","dataDir":"%s","ranges":[[{"subnet":"10.250.0.0/24"}],[{"subnet":"fd00:250::/64"}]],
                 "routes":[{"dst":"0.0.0.0/0"}]}}""".formatted(logFile, dataDir);
    // the common shape: an older cniVersion, IPv4 only, no NAT, log file from the environment
    String plain = """
        {"cniVersion":"1.0.0","name":"aot","type":"weft-cni","bridge":"wftaot1","isGateway":true,"isDefaultGateway":true,
         "hairpinMode":true,"ipMasq":false,"ipam":{"type":"weft-ipam","dataDir":"%s","ranges":[[{"subnet":"10.251.0.0/24"}]]}}"""
        .formatted(dataDir);
    boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
    if (!root) {
      invoke("ADD", conf, "", logFile); // fails early on the empty CNI_NETNS: trains parsing and errors
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
    }
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
