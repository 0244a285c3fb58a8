package dev.weft.bench.cni;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One plugin in one network configuration: what binary, with which CNI_PATH and which config on
 * stdin. The two implementations of a configuration get the same config text but for {@code type}
 * and {@code ipam.type} — and the bridge name, subnet and IPAM dataDir, which keep the two apart in
 * the shared host namespace (two bridges with the same subnet and gateway there would fight over
 * the connected route; a shared dataDir would let one plugin's leak fail the other).
 */
public record PluginSide(
    String config, Impl impl, Path binary, String cniPath, String type, String ipamType,
    String bridge, String subnet, Path dataDir, boolean ipMasq, Map<String, String> extraEnv, String agentSocket) {

  public enum Impl {
    WEFT("weft"), REFERENCE("reference"),
    /** weft again, with WEFT_CNI_TRACE set: the breakdown comes from it, the headline numbers do not. */
    WEFT_TRACED("weft-traced"),
    /** weft-cni with an agentSocket in its config: the native front-end forwards to a warm agent JVM. */
    WEFT_AGENT("weft-agent");

    final String label;

    Impl(String label) {
      this.label = label;
    }
  }

  public String label() {
    return config + "/" + impl.label;
  }

  /** The network config, compact JSON, cniVersion 1.0.0 (the newest the Debian 1.1.1 plugins accept). */
  public String networkConfig() {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"wftbench\",\"type\":\"" + type + "\""
        + (agentSocket == null ? "" : ",\"agentSocket\":\"" + agentSocket + "\"")
        + ",\"bridge\":\"" + bridge + "\""
        + ",\"isGateway\":true,\"isDefaultGateway\":true,\"hairpinMode\":true"
        + ",\"ipMasq\":" + ipMasq
        + ",\"ipam\":{\"type\":\"" + ipamType + "\",\"dataDir\":\"" + dataDir + "\""
        + ",\"ranges\":[[{\"subnet\":\"" + subnet + "\"}]]}}";
  }

  /** The DEL config as libcni sends it: the network config plus the ADD result as prevResult. */
  public String delConfig(String addResult) {
    String conf = networkConfig();
    if (addResult == null || addResult.isBlank() || !addResult.strip().startsWith("{")) return conf;
    return conf.substring(0, conf.length() - 1) + ",\"prevResult\":" + addResult.strip() + "}";
  }

  public Map<String, String> env(String command, String containerId, String netnsPath) {
    Map<String, String> env = new LinkedHashMap<>(CniInvocation.baseEnv());
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", containerId);
    env.put("CNI_NETNS", netnsPath);
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", cniPath);
    env.putAll(extraEnv);
    return env;
  }
}
