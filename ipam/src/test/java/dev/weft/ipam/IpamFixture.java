package dev.weft.ipam;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.kernel.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds configs and runs in-process IPAM calls for tests. */
final class IpamFixture {
  final Path dataDir;
  final String network;
  final String version;

  IpamFixture(Path dataDir, String network) {
    this(dataDir, network, "1.1.0");
  }

  IpamFixture(Path dataDir, String network, String version) {
    this.dataDir = dataDir;
    this.network = network;
    this.version = version;
  }

  /** A config with the given ipam body fields (JSON text without braces) and optional top-level extras. */
  String conf(String ipamFields, String extra) {
    return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + network + "\",\"type\":\"bridge\",\"ipam\":{\"type\":\"weft-ipam\",\"dataDir\":\""
        + dataDir + "\"" + (ipamFields.isEmpty() ? "" : "," + ipamFields) + "}" + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  static NetworkConfig parse(String conf) throws CniError {
    return NetworkConfig.parse(conf.getBytes(StandardCharsets.UTF_8));
  }

  static CniEnv env(String id, String ifname, String cniArgs) throws CniError {
    return CniEnv.from(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", id, "CNI_NETNS", "/run/netns/x", "CNI_IFNAME", ifname,
        "CNI_ARGS", cniArgs));
  }

  static Ipam ipam(String conf, String id, String ifname, String cniArgs) throws CniError {
    return new Ipam(parse(conf), env(id, ifname, cniArgs));
  }

  static Result add(String conf, String id) throws CniError {
    return ipam(conf, id, "eth0", "").add();
  }

  static List<String> addresses(Result r) {
    List<String> l = new ArrayList<>();
    for (Result.IpConfig ip : r.ips()) l.add(ip.address().toString());
    return l;
  }

  static String first(Result r) {
    return IpPrefix.format(r.ips().getFirst().address().address());
  }

  Path netDir() {
    return dataDir.resolve(network);
  }
}
