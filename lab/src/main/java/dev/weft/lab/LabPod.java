package dev.weft.lab;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A lab pod as {@code pods/<name>.json} records it: the desired state the supervisor serves (responders) and
 * registers in the cluster store (a Kubernetes Pod).
 *
 * @param ready the pod's Ready condition ({@code weft lab pod ready NAME --ready=false} clears it)
 * @param deletionMillis when terminating: the end of its grace period (the Pod's {@code deletionTimestamp}); 0 otherwise
 */
public record LabPod(String name, String node, String netns, String ip, Map<String, String> labels, String containerId,
    String uid, long createdMillis, boolean ready, long deletionMillis) {
  public static final String NAMESPACE = "default";
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?");
  private static final Pattern LABEL_KEY = Pattern.compile("([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  public LabPod {
    labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
  }

  /** A new pod: ready, not terminating. */
  public LabPod(String name, String node, String netns, String ip, Map<String, String> labels, String containerId, String uid,
      long createdMillis) {
    this(name, node, netns, ip, labels, containerId, uid, createdMillis, true, 0);
  }

  public boolean terminating() {
    return deletionMillis > 0;
  }

  public LabPod withReady(boolean r) {
    return new LabPod(name, node, netns, ip, labels, containerId, uid, createdMillis, r, deletionMillis);
  }

  public LabPod withDeletion(long millis) {
    return new LabPod(name, node, netns, ip, labels, containerId, uid, createdMillis, ready, millis);
  }

  /** What the supervisor registers in the store, to tell when a change has been registered. */
  String registration() {
    return (ready ? "ready" : "not-ready") + (terminating() ? ",terminating" : "");
  }

  /** Labels sorted by key (records' maps are unordered). */
  public Map<String, String> sortedLabels() {
    return new TreeMap<>(labels);
  }

  static void checkName(String name) {
    if (name == null || !DNS_LABEL.matcher(name).matches())
      throw new LabException("invalid pod name '" + name + "': lowercase letters, digits and '-', at most 40 characters");
    if (name.equals("ext") || name.equals("underlay") || name.matches("node-[0-9]+"))
      throw new LabException("pod name '" + name + "' is reserved (it names the external client, the underlay or a node)");
  }

  /** Parses {@code k=v} label arguments. */
  public static Map<String, String> parseLabels(List<String> kvs) {
    Map<String, String> out = new TreeMap<>();
    for (String kv : kvs == null ? List.<String>of() : kvs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new LabException("invalid label '" + kv + "': expected key=value");
      String k = kv.substring(0, eq), v = kv.substring(eq + 1);
      if (!LABEL_KEY.matcher(k).matches() || !LABEL_VALUE.matcher(v).matches())
        throw new LabException("invalid label '" + kv + "': not a Kubernetes label key=value");
      out.put(k, v);
    }
    return out;
  }

  Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("node", node);
    m.put("netns", netns);
    m.put("ip", ip);
    m.put("labels", new LinkedHashMap<String, Object>(sortedLabels()));
    m.put("containerId", containerId);
    m.put("uid", uid);
    m.put("created", createdMillis);
    m.put("ready", ready);
    if (deletionMillis > 0) m.put("deletion", deletionMillis);
    return m;
  }

  static LabPod fromJson(Map<String, Object> m) {
    Map<String, String> labels = new TreeMap<>();
    J.map(m.get("labels")).forEach((k, v) -> labels.put(k, String.valueOf(v)));
    return new LabPod(J.str(m, "name"), J.str(m, "node"), J.str(m, "netns"), J.str(m, "ip"), labels, J.str(m, "containerId"),
        J.str(m, "uid"), J.num(m, "created", 0), !Boolean.FALSE.equals(m.get("ready")), J.num(m, "deletion", 0));
  }

  void write(LabPaths paths) {
    J.writeAtomically(paths.podFile(name), toJson());
  }

  /** All pods of the lab, sorted by name; unreadable files are skipped (a writer is mid-rename). */
  public static List<LabPod> readAll(LabPaths paths) {
    List<LabPod> out = new ArrayList<>();
    if (!Files.isDirectory(paths.podsDir())) return out;
    try (var s = Files.list(paths.podsDir())) {
      for (var f : s.sorted().toList()) {
        String fn = f.getFileName().toString();
        if (!fn.endsWith(".json") || fn.startsWith(".")) continue;
        try {
          out.add(fromJson(J.read(f)));
        } catch (RuntimeException e) {
          // skipped: being replaced
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }
}
