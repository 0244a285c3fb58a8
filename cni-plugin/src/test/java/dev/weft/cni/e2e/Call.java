package dev.weft.cni.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.kernel.testing.TestNetns;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One plugin invocation as a runtime makes it: {@code ip netns exec <host> <CNI_PATH>/weft-cni}
 * with the CNI_* environment and the network config on stdin.
 */
final class Call {
  private final Lab lab;
  private final String host;
  private final Map<String, String> env = new LinkedHashMap<>();
  private String binary = "weft-cni";
  private byte[] stdin = new byte[0];
  private int timeout = 60;

  Call(Lab lab, String host, String command) {
    this.lab = lab;
    this.host = host;
    env.put("CNI_COMMAND", command);
    if (!command.equals("VERSION") && !command.equals("STATUS") && !command.equals("GC")) {
      env.put("CNI_IFNAME", "eth0");
    }
    env.put("CNI_PATH", lab.bin.toString());
  }

  Call cid(String cid) {
    env.put("CNI_CONTAINERID", cid);
    return this;
  }

  /** CNI_NETNS=/run/netns/<podNs>. */
  Call netns(String podNs) {
    env.put("CNI_NETNS", TestNetns.path(podNs).toString());
    return this;
  }

  Call netnsPath(String raw) {
    env.put("CNI_NETNS", raw);
    return this;
  }

  Call ifname(String ifname) {
    env.put("CNI_IFNAME", ifname);
    return this;
  }

  Call args(String cniArgs) {
    env.put("CNI_ARGS", cniArgs);
    return this;
  }

  Call env(String k, String v) {
    env.put(k, v);
    return this;
  }

  Call unset(String k) {
    env.remove(k);
    return this;
  }

  /** Which binary of CNI_PATH to run: "weft-cni" (default), "bridge", "weft-ipam", "host-local". */
  Call binary(String name) {
    binary = name;
    return this;
  }

  Call config(JsonNode config) {
    stdin = config.toString().getBytes(StandardCharsets.UTF_8);
    return this;
  }

  /** Adds {@code prevResult} to the current config. */
  Call prevResult(JsonNode config, JsonNode result) {
    ObjectNode c = config.deepCopy();
    c.set("prevResult", result);
    return config(c);
  }

  Call raw(String text) {
    stdin = text.getBytes(StandardCharsets.UTF_8);
    return this;
  }

  Call timeout(int seconds) {
    timeout = seconds;
    return this;
  }

  List<String> argv() {
    return new ArrayList<>(List.of("ip", "netns", "exec", host, lab.bin.resolve(binary).toString()));
  }

  Exec.Running start() {
    return lab.track(Exec.start(argv(), Map.copyOf(env), stdin, lab.tmp.resolve("scratch")));
  }

  Exec.Out run() {
    return start().await(timeout);
  }

  /** Runs, asserts success (exit 0, one JSON object, no stack trace) and returns the result. */
  JsonNode ok() {
    return CniAssert.success(run());
  }

  /** Runs and asserts a CNI error with one of {@code codes} (any code when none given). */
  JsonNode fails(int... codes) {
    return CniAssert.error(run(), codes);
  }

  /** Runs, asserting exit 0 and no stack trace; DEL/GC print nothing (or nothing but whitespace). */
  Exec.Out quiet() {
    Exec.Out o = run();
    CniAssert.noStackTrace(o);
    if (o.exit() != 0) throw new AssertionError("expected exit 0\n" + o.describe());
    return o;
  }
}
