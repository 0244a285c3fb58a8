package dev.weft.agent;

import dev.weft.cni.protocol.Json;
import dev.weft.kernel.IpPrefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's CNI network config: weft-cni on bridge {@code cni0} with this node's pod CIDR, the
 * overlay's MTU, and the agent's socket for the fast path. Egress masquerade is the agent's job
 * (cluster-aware), so the plugin's own ipMasq stays off. Written atomically and only when it
 * changes: runtimes watch the directory.
 */
public final class CniConflist {
  public static final String NETWORK = "weft";
  public static final String BRIDGE = "cni0";

  private CniConflist() {}

  public static String render(AgentConfig cfg, IpPrefix podCidr, int mtu) {
    Map<String, Object> ipam = new LinkedHashMap<>();
    ipam.put("type", "weft-ipam");
    ipam.put("dataDir", cfg.ipamDataDir().toString());
    ipam.put("ranges", List.of(List.of(Map.of("subnet", podCidr.network().toString()))));
    Map<String, Object> plugin = new LinkedHashMap<>();
    plugin.put("type", "weft-cni");
    plugin.put("bridge", BRIDGE);
    plugin.put("isDefaultGateway", true);
    plugin.put("ipMasq", false);
    plugin.put("hairpinMode", true);
    plugin.put("mtu", mtu);
    plugin.put("agentSocket", cfg.cniSocket().toString());
    plugin.put("logFile", cfg.stateDir().resolve("cni.log").toString());
    plugin.put("ipam", ipam);
    plugin.put("capabilities", Map.of("portMappings", true));
    Map<String, Object> list = new LinkedHashMap<>();
    list.put("cniVersion", "1.1.0");
    list.put("name", NETWORK);
    list.put("plugins", List.of(plugin));
    return new String(Json.write(list, true), StandardCharsets.UTF_8) + "\n";
  }

  /** Writes the file if its content differs; returns whether it wrote. */
  public static boolean write(Path file, String content) throws IOException {
    if (Files.exists(file) && Files.readString(file).equals(content)) return false;
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return true;
  }
}
