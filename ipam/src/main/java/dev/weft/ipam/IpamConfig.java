package dev.weft.ipam;

import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.JsonFields;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.cni.protocol.Result.RouteConf;
import dev.weft.kernel.IpPrefix;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * host-local's IPAM configuration: {@code ipam.ranges} (a list of range sets), the legacy single
 * range at {@code ipam.subnet/rangeStart/rangeEnd/gateway} (prepended), {@code runtimeConfig.ipRanges}
 * (prepended), {@code ipam.routes}, {@code ipam.dataDir}, {@code ipam.resolvConf}, and the requested
 * IPs from CNI_ARGS {@code IP=} (comma-separated), {@code args.cni.ips} and {@code runtimeConfig.ips}.
 */
public record IpamConfig(String network, List<RangeSet> rangeSets, List<RouteConf> routes, Path dataDir, String resolvConf,
    List<InetAddress> requestedIps) {
  public static final String DEFAULT_DATA_DIR = "/var/lib/cni/networks";
  private static final JsonFields F = JsonFields.config();

  public static IpamConfig parse(NetworkConfig conf, CniEnv env) throws CniError {
    Map<String, Object> ipam = conf.raw().containsKey("ipam") ? conf.ipam() : null;
    if (ipam == null) throw CniError.config("IPAM config missing 'ipam' key");
    List<List<Object>> sets = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    List<Object> ipRanges = F.list(conf.runtimeConfig(), "runtimeConfig", "ipRanges");
    for (int i = 0; ipRanges != null && i < ipRanges.size(); i++) {
      sets.add(F.asList(ipRanges.get(i), "runtimeConfig.ipRanges[" + i + "]"));
      paths.add("runtimeConfig.ipRanges[" + i + "]");
    }
    if (ipam.get("subnet") != null) {
      sets.add(List.of(ipam));
      paths.add("ipam");
    }
    List<Object> ranges = F.list(ipam, "ipam", "ranges");
    for (int i = 0; ranges != null && i < ranges.size(); i++) {
      sets.add(F.asList(ranges.get(i), "ipam.ranges[" + i + "]"));
      paths.add("ipam.ranges[" + i + "]");
    }
    if (sets.isEmpty()) throw CniError.config("no IP ranges specified (ipam.ranges or ipam.subnet)");
    List<RangeSet> rangeSets = new ArrayList<>();
    for (int i = 0; i < sets.size(); i++) {
      RangeSet s = RangeSet.parse(i, sets.get(i), paths.get(i));
      for (RangeSet o : rangeSets)
        if (o.overlaps(s)) throw CniError.config("range set " + o.index() + " (" + paths.get(o.index()) + ") overlaps with "
            + i + " (" + paths.get(i) + ")");
      rangeSets.add(s);
    }
    List<RouteConf> routes = new ArrayList<>();
    List<Object> rl = F.list(ipam, "ipam", "routes");
    for (int i = 0; rl != null && i < rl.size(); i++) routes.add(Result.parseRoute(rl.get(i), "ipam.routes[" + i + "]"));
    String dataDir = F.string(ipam, "ipam", "dataDir", null);
    Path dir;
    try {
      dir = Path.of(dataDir == null || dataDir.isEmpty() ? DEFAULT_DATA_DIR : dataDir);
    } catch (RuntimeException e) {
      throw F.error("ipam.dataDir", "invalid path");
    }
    String resolv = F.string(ipam, "ipam", "resolvConf", null);
    return new IpamConfig(conf.name(), rangeSets, routes, dir, resolv == null || resolv.isEmpty() ? null : resolv,
        requested(conf, env));
  }

  private static List<InetAddress> requested(NetworkConfig conf, CniEnv env) throws CniError {
    List<InetAddress> r = new ArrayList<>();
    String ip = env == null ? null : env.args().get("IP");
    if (ip != null)
      for (String s : ip.split(",", -1)) if (!s.isBlank()) add(r, s.strip(), "CNI_ARGS IP");
    Map<String, Object> cni = F.object(conf.args(), "args", "cni");
    List<String> l = cni == null ? null : F.strings(cni, "args.cni", "ips");
    for (int i = 0; l != null && i < l.size(); i++) add(r, l.get(i), "args.cni.ips[" + i + "]");
    l = F.strings(conf.runtimeConfig(), "runtimeConfig", "ips");
    for (int i = 0; l != null && i < l.size(); i++) add(r, l.get(i), "runtimeConfig.ips[" + i + "]");
    return r;
  }

  /** "10.1.2.3" or "10.1.2.3/24" (the prefix is ignored, as host-local does). */
  private static void add(List<InetAddress> into, String s, String path) throws CniError {
    InetAddress a = s.indexOf('/') >= 0 ? F.parseCidr(s, path).address() : F.parseAddress(s, path);
    for (InetAddress o : into) if (o.equals(a)) return;
    into.add(a);
  }

  /** {@code <dataDir>/<network>}. */
  public Path networkDir() {
    return dataDir.resolve(network);
  }

  /** The set holding {@code a}, or null. */
  public RangeSet rangeSetFor(InetAddress a) {
    for (RangeSet s : rangeSets) if (s.contains(a)) return s;
    return null;
  }

  static String format(InetAddress a) {
    return IpPrefix.format(a);
  }
}
