package dev.weft.cni.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** One CNI network on one host namespace: its name, bridge, /24, data dir and plugin log. */
final class Net {
  static final ObjectMapper JSON = new ObjectMapper();

  final Lab lab;
  final String host;
  final String name;
  final String bridge;
  /** First three octets, e.g. "10.77.3". */
  final String prefix;
  final String subnet;
  final String gateway;
  final Path dataDir;
  final Path logFile;

  Net(Lab lab, String host, String name, String bridge, String prefix) {
    this.lab = lab;
    this.host = host;
    this.name = name;
    this.bridge = bridge;
    this.prefix = prefix;
    this.subnet = prefix + ".0/24";
    this.gateway = prefix + ".1";
    this.dataDir = lab.file("data-" + name + "-" + host);
    this.logFile = lab.file("log-" + name + "-" + host + ".txt");
    lab.logFile(logFile);
  }

  /** The reference bridge plugin's config with weft's type and IPAM: gateway, default route, no masq. */
  ObjectNode config() {
    ObjectNode c = JSON.createObjectNode();
    c.put("cniVersion", "1.0.0");
    c.put("name", name);
    c.put("type", "weft-cni");
    c.put("bridge", bridge);
    c.put("isGateway", true);
    c.put("isDefaultGateway", true);
    c.put("logFile", logFile.toString());
    ObjectNode ipam = c.putObject("ipam");
    ipam.put("type", "weft-ipam");
    ArrayNode ranges = ipam.putArray("ranges");
    ranges.addArray().addObject().put("subnet", subnet);
    ipam.put("dataDir", dataDir.toString());
    return c;
  }

  /** The same config for the reference plugins (/usr/lib/cni/bridge + host-local). */
  ObjectNode referenceConfig() {
    ObjectNode c = config();
    c.put("type", "bridge");
    c.remove("logFile");
    ((ObjectNode) c.get("ipam")).put("type", "host-local");
    return c;
  }

  static ObjectNode ipam(ObjectNode config) {
    return (ObjectNode) config.get("ipam");
  }

  /** The first range of the first range set. */
  static ObjectNode range(ObjectNode config) {
    return (ObjectNode) config.get("ipam").get("ranges").get(0).get(0);
  }

  Call call(String command) {
    return new Call(lab, host, command).config(config());
  }

  Call add(String cid, String podNs) {
    return call("ADD").cid(cid).netns(podNs);
  }

  Call del(String cid, String podNs) {
    return call("DEL").cid(cid).netns(podNs);
  }

  /** host-local compatible reservation directory: {@code <dataDir>/<name>/}. */
  Path ipDir() {
    return dataDir.resolve(name);
  }

  /** Reservations on disk: file name (an IP) to content; lock and last_reserved files left out. */
  Map<String, String> ipFiles() {
    return ipFiles(ipDir());
  }

  static Map<String, String> ipFiles(Path dir) {
    Map<String, String> m = new TreeMap<>();
    if (!Files.isDirectory(dir)) return m;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        String f = p.getFileName().toString();
        if (f.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") || f.matches("[0-9a-fA-F]*:[0-9a-fA-F:]*")) {
          if (Files.isRegularFile(p)) m.put(f, Files.readString(p, StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return m;
  }

  String alias(String cid, String ifname) {
    return "weft:" + name + ":" + cid + ":" + ifname;
  }

  /** Host links whose alias says they are weft attachments of this network. */
  List<JsonNode> weftVeths() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode l : Obs.links(host)) {
      String a = l.path("ifalias").asText("");
      if (a.startsWith("weft:" + name + ":")) out.add(l);
    }
    return out;
  }

  /** The host veth of one attachment, found by its alias; null when absent. */
  JsonNode hostVeth(String cid, String ifname) {
    for (JsonNode l : Obs.links(host)) if (alias(cid, ifname).equals(l.path("ifalias").asText(""))) return l;
    return null;
  }
}
