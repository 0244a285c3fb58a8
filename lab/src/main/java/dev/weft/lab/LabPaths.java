package dev.weft.lab;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Names and places of one lab. Every namespace is {@code wftlab-<lab>-<kind>}; every file lives under
 * {@code /run/weft-lab/<lab>/}; every process the lab starts either runs in one of the lab's namespaces or
 * carries the state directory in its command line (the lab's <em>marker</em>), so {@code down} finds it all
 * again from nothing but the lab's name.
 */
public record LabPaths(String lab) {
  public static final Path RUN_ROOT = Path.of("/run/weft-lab");
  public static final String DEFAULT_LAB = "weft";
  /** Lab names: no dash, so that {@code wftlab-<lab>-} prefixes of two labs never overlap. */
  private static final Pattern LAB_NAME = Pattern.compile("[a-z][a-z0-9]{0,15}");

  public LabPaths {
    if (lab == null || !LAB_NAME.matcher(lab).matches())
      throw new LabException("invalid lab name '" + lab + "': 1-16 lowercase letters and digits, starting with a letter");
  }

  public Path stateDir() { return RUN_ROOT.resolve(lab); }
  public Path labFile() { return stateDir().resolve("lab.json"); }
  public Path lockFile() { return stateDir().resolve("lock"); }
  public Path podsDir() { return stateDir().resolve("pods"); }
  public Path podFile(String pod) { return podsDir().resolve(pod + ".json"); }
  public Path logsDir() { return stateDir().resolve("logs"); }
  public Path etcdDataDir() { return stateDir().resolve("etcd"); }
  public Path cniCacheDir() { return stateDir().resolve("cni-cache"); }
  public Path supervisorPidFile() { return stateDir().resolve("supervisor.pid"); }
  public Path supervisorLog() { return stateDir().resolve("supervisor.log"); }
  public Path supervisorStatusFile() { return stateDir().resolve("supervisor.json"); }
  public Path nodeDir(String node) { return stateDir().resolve("nodes").resolve(node); }
  public Path cniConfDir(String node) { return nodeDir(node).resolve("cni"); }
  public Path agentStateDir(String node) { return nodeDir(node).resolve("state"); }
  public Path ipamDataDir(String node) { return nodeDir(node).resolve("ipam"); }
  public Path cniSocket(String node) { return nodeDir(node).resolve("cni.sock"); }
  /** Present while {@code weft lab node stop} holds the node's agent down ("term" or "kill": how it was stopped). */
  public Path agentStoppedFile(String node) { return nodeDir(node).resolve("agent.stopped"); }

  public String nsPrefix() { return "wftlab-" + lab + "-"; }
  public String underlayNs() { return nsPrefix() + "underlay"; }
  public String extNs() { return nsPrefix() + "ext"; }
  public String nodeNs(String node) { return nsPrefix() + node; }
  public String podNs(String pod) { return nsPrefix() + "pod-" + pod; }

  /** The marker a lab process carries in its command line: the state directory. */
  public String marker() { return stateDir() + "/"; }

  /** True when one of the arguments names the state directory or something under it. */
  public boolean carriesMarker(List<String> args) {
    String m = marker();
    for (String a : args) if ((a + "/").contains(m)) return true;
    return false;
  }
}
