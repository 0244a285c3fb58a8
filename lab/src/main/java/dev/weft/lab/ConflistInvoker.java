package dev.weft.lab;

import dev.weft.cni.protocol.Json;
import dev.weft.kernel.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a CNI network configuration list the way a container runtime does (libcni's
 * {@code AddNetworkList}/{@code DelNetworkList}/{@code CheckNetworkList}):
 * <ul>
 *   <li>each plugin of the list is executed from {@code CNI_PATH} by its {@code type}, with the
 *       environment {@code CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH};
 *   <li>its stdin is the plugin's config plus the list's {@code name} and {@code cniVersion}, the previous
 *       plugin's result as {@code prevResult}, and {@code runtimeConfig} holding the capability arguments the
 *       plugin declares in {@code capabilities};
 *   <li>ADD runs the plugins in order, the last result is the list's result, and it is cached as libcni does
 *       ({@code <cacheDir>/results/<network>-<containerID>-<ifname>}, kind {@code cniCacheV1}, with the
 *       config); DEL runs them in reverse with the cached result as {@code prevResult} (falling back to the
 *       cached config when the list is gone), then drops the cache; CHECK runs them in order with it.
 * </ul>
 * When {@code runtimeNetns} is set the plugins run inside that namespace (the node's: a runtime runs in the
 * host's namespace of its node).
 */
public final class ConflistInvoker {
  private final List<Path> cniPath;
  private final Path runtimeNetns;
  private final Path cacheDir;
  private final Map<String, String> extraEnv;
  private final Duration timeout;

  /** What identifies one attachment, plus the runtime's arguments. */
  public record Attachment(String containerId, Path netns, String ifName, Map<String, String> cniArgs,
      Map<String, Object> capabilityArgs) {
    public Attachment {
      cniArgs = cniArgs == null ? Map.of() : cniArgs;
      capabilityArgs = capabilityArgs == null ? Map.of() : capabilityArgs;
    }
  }

  public ConflistInvoker(List<Path> cniPath, Path runtimeNetns, Path cacheDir, Map<String, String> extraEnv, Duration timeout) {
    this.cniPath = List.copyOf(cniPath);
    this.runtimeNetns = runtimeNetns;
    this.cacheDir = cacheDir;
    this.extraEnv = extraEnv == null ? Map.of() : Map.copyOf(extraEnv);
    this.timeout = timeout;
  }

  /** The first {@code *.conflist} of a conf dir in lexical order, as libcni picks the default network. */
  public static Path findConflist(Path confDir) {
    if (!Files.isDirectory(confDir)) return null;
    try (var s = Files.list(confDir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".conflist") && !p.getFileName().toString().startsWith("."))
          .sorted().findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** ADD: runs the list and returns (and caches) the final result. */
  public Map<String, Object> add(byte[] conflist, Attachment att) throws CniException {
    Map<String, Object> list = parseList(conflist);
    Object prev = null;
    for (Map<String, Object> plugin : plugins(list)) {
      prev = invoke("ADD", plugin, list, prev, att);
    }
    Map<String, Object> result = J.map(prev);
    writeCache(list, conflist, att, result);
    return result;
  }

  /** DEL: reverse order, cached result as prevResult; {@code conflist} null = the cached config. */
  public void del(byte[] conflist, Attachment att) throws CniException {
    Map<String, Object> cached = readCache(networkName(conflist), att);
    byte[] config = conflist;
    if (config == null && cached != null && cached.get("config") instanceof String b64) config = Base64.getDecoder().decode(b64);
    if (config == null) throw new CniException("lab", 7, "no network configuration for " + att.containerId() + " (no conflist, nothing cached)", null);
    Map<String, Object> list = parseList(config);
    Object prev = cached == null ? null : cached.get("result");
    List<Map<String, Object>> ps = new ArrayList<>(plugins(list));
    for (Map<String, Object> plugin : ps.reversed()) invoke("DEL", plugin, list, prev, att);
    deleteCache(J.str(list, "name"), att);
  }

  /** CHECK: in order, with the cached result as prevResult. */
  public void check(byte[] conflist, Attachment att) throws CniException {
    Map<String, Object> list = parseList(conflist);
    Map<String, Object> cached = readCache(J.str(list, "name"), att);
    if (cached == null) throw new CniException("lab", 3, "no cached result for " + att.containerId() + "/" + att.ifName(), null);
    for (Map<String, Object> plugin : plugins(list)) invoke("CHECK", plugin, list, cached.get("result"), att);
  }

  /** Where libcni caches an attachment's result. */
  public Path cacheFile(String network, Attachment att) {
    return cacheDir.resolve("results").resolve(network + "-" + att.containerId() + "-" + att.ifName());
  }

  // ------------------------------------------------------------------------------------------

  private static Map<String, Object> parseList(byte[] conflist) throws CniException {
    Object parsed;
    try {
      parsed = Json.parse(conflist);
    } catch (Json.JsonException e) {
      throw new CniException("lab", 6, "network configuration list is not JSON: " + e.getMessage(), null);
    }
    Map<String, Object> list = J.map(parsed);
    if (J.str(list, "name") == null || J.str(list, "name").isEmpty()) throw new CniException("lab", 7, "network configuration list has no name", null);
    if (J.str(list, "cniVersion") == null) throw new CniException("lab", 7, "network configuration list has no cniVersion", null);
    if (J.list(list.get("plugins")).isEmpty()) throw new CniException("lab", 7, "network configuration list " + J.str(list, "name") + " has no plugins", null);
    for (Object p : J.list(list.get("plugins")))
      if (J.str(J.map(p), "type") == null) throw new CniException("lab", 7, "a plugin of " + J.str(list, "name") + " has no type", null);
    return list;
  }

  private static String networkName(byte[] conflist) {
    if (conflist == null) return null;
    try {
      return J.str(J.map(Json.parse(conflist)), "name");
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static List<Map<String, Object>> plugins(Map<String, Object> list) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object p : J.list(list.get("plugins"))) out.add(J.map(p));
    return out;
  }

  /** libcni's buildOneConfig + injectRuntimeConfig. */
  Map<String, Object> pluginConfig(Map<String, Object> plugin, Map<String, Object> list, Object prevResult, Attachment att) {
    Map<String, Object> conf = new LinkedHashMap<>(plugin);
    conf.put("cniVersion", list.get("cniVersion"));
    conf.put("name", list.get("name"));
    if (prevResult != null) conf.put("prevResult", prevResult);
    else conf.remove("prevResult");
    Map<String, Object> caps = J.map(plugin.get("capabilities"));
    Map<String, Object> rc = new LinkedHashMap<>();
    att.capabilityArgs().forEach((k, v) -> {
      if (Boolean.TRUE.equals(caps.get(k))) rc.put(k, v);
    });
    if (!rc.isEmpty()) conf.put("runtimeConfig", rc);
    return conf;
  }

  private Object invoke(String command, Map<String, Object> plugin, Map<String, Object> list, Object prev, Attachment att)
      throws CniException {
    String type = J.str(plugin, "type");
    Path exe = findPlugin(type);
    byte[] stdin = Json.write(pluginConfig(plugin, list, prev, att));
    ProcessBuilder pb = new ProcessBuilder(exe.toString());
    Map<String, String> env = pb.environment();
    env.putAll(extraEnv);
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", att.containerId());
    env.put("CNI_NETNS", att.netns() == null ? "" : att.netns().toString());
    env.put("CNI_IFNAME", att.ifName());
    env.put("CNI_PATH", String.join(":", cniPath.stream().map(Path::toString).toList()));
    StringBuilder args = new StringBuilder("IgnoreUnknown=1");
    att.cniArgs().forEach((k, v) -> args.append(';').append(k).append('=').append(v));
    env.put("CNI_ARGS", args.toString());
    Process p;
    try {
      p = runtimeNetns == null ? pb.start() : NetNs.call(runtimeNetns, pb::start);
    } catch (IOException | UncheckedIOException e) {
      throw new CniException(type, 5, "cannot run " + exe + ": " + e.getMessage(), null);
    }
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), Thread::startVirtualThread);
    byte[] out;
    try (var in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException ignored) {
      // the plugin may exit without reading stdin; its answer says why
    }
    out = readAll(p.getInputStream());
    int exit;
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new CniException(type, 5, command + " timed out after " + timeout.toSeconds() + " s", null);
      }
      exit = p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CniException(type, 5, command + " interrupted", null);
    }
    String stderr = new String(err.join(), StandardCharsets.UTF_8).strip();
    if (exit != 0) {
      Map<String, Object> e = Map.of();
      try {
        e = J.map(Json.parse(out));
      } catch (RuntimeException ignored) {
        // not JSON: stderr explains
      }
      if (e.containsKey("msg") || e.containsKey("code"))
        throw new CniException(type, J.num(e, "code", 999), String.valueOf(e.get("msg")), J.str(e, "details"));
      String text = !stderr.isEmpty() ? stderr : new String(out, StandardCharsets.UTF_8).strip();
      throw new CniException(type, 999, command + " exited " + exit + (text.isEmpty() ? "" : ": " + firstLine(text)), null);
    }
    if (!command.equals("ADD")) return prev;
    try {
      return Json.parse(out);
    } catch (Json.JsonException e) {
      throw new CniException(type, 6, "ADD result is not JSON: " + e.getMessage(), null);
    }
  }

  private Path findPlugin(String type) throws CniException {
    if (type.contains("/")) throw new CniException(type, 7, "invalid plugin type " + type, null);
    for (Path dir : cniPath) {
      Path f = dir.resolve(type);
      if (Files.isExecutable(f)) return f;
    }
    throw new CniException(type, 7, "failed to find plugin \"" + type + "\" in path " + cniPath, null);
  }

  private void writeCache(Map<String, Object> list, byte[] conflist, Attachment att, Map<String, Object> result) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("kind", "cniCacheV1");
    c.put("containerId", att.containerId());
    c.put("config", Base64.getEncoder().encodeToString(conflist));
    c.put("ifName", att.ifName());
    c.put("networkName", list.get("name"));
    c.put("netns", att.netns() == null ? "" : att.netns().toString());
    List<Object> args = new ArrayList<>();
    att.cniArgs().forEach((k, v) -> args.add(List.of(k, v)));
    c.put("cniArgs", args);
    c.put("capabilityArgs", new LinkedHashMap<>(att.capabilityArgs()));
    c.put("result", result);
    J.writeAtomically(cacheFile(J.str(list, "name"), att), c);
  }

  private Map<String, Object> readCache(String network, Attachment att) {
    Path f = null;
    if (network != null) f = cacheFile(network, att);
    if (f == null || !Files.exists(f)) f = findCacheAnyNetwork(att);
    if (f == null) return null;
    try {
      return J.read(f);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private Path findCacheAnyNetwork(Attachment att) {
    Path dir = cacheDir.resolve("results");
    if (!Files.isDirectory(dir)) return null;
    String suffix = "-" + att.containerId() + "-" + att.ifName();
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private void deleteCache(String network, Attachment att) {
    try {
      Files.deleteIfExists(cacheFile(network, att));
    } catch (IOException ignored) {
      // a stale cache file is harmless and goes with the state dir
    }
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
