package dev.weft.cni.protocol;

import dev.weft.kernel.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CNI result, one type for every supported version. {@link #fromJson} reads any of their shapes;
 * {@link #toJson} writes exactly one: 0.3.x/0.4.0 put {@code "version"} on each IP, 1.1.0-only
 * fields (interface mtu/socketPath/pciID, route mtu/advmss/priority/table/scope) appear only for
 * 1.1.0. Like the Go types, null and empty fields are left out, except {@code dns} which Go always
 * writes (as {@code {}} when empty).
 */
public record Result(String cniVersion, List<Interface> interfaces, List<IpConfig> ips, List<RouteConf> routes, Dns dns) {
  public Result {
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
    ips = ips == null ? List.of() : List.copyOf(ips);
    routes = routes == null ? List.of() : List.copyOf(routes);
  }

  public record Interface(String name, String mac, Integer mtu, String sandbox, String socketPath, String pciID) {}

  /** interfaceIndex points into {@link Result#interfaces}. */
  public record IpConfig(IpPrefix address, InetAddress gateway, Integer interfaceIndex) {}

  public record RouteConf(IpPrefix dst, InetAddress gw, Integer mtu, Integer advmss, Integer priority, Integer table, Integer scope) {
    public RouteConf(IpPrefix dst, InetAddress gw) {
      this(dst, gw, null, null, null, null, null);
    }
  }

  public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {
    public Dns {
      nameservers = nameservers == null ? List.of() : List.copyOf(nameservers);
      search = search == null ? List.of() : List.copyOf(search);
      options = options == null ? List.of() : List.copyOf(options);
    }

    public boolean isEmpty() {
      return nameservers.isEmpty() && (domain == null || domain.isEmpty()) && search.isEmpty() && options.isEmpty();
    }
  }

  /** The same result labelled with another version (the shape follows at {@link #toJson}). */
  public Result withVersion(String v) {
    return new Result(v, interfaces, ips, routes, dns);
  }

  // ---- decoding ----

  private static final JsonFields F = JsonFields.config();

  /** Parses a result of any supported version (errors are code 7 naming the field). */
  public static Result fromJson(Object json) throws CniError {
    return fromJson(json, "result");
  }

  public static Result fromJson(Object json, String path) throws CniError {
    Map<String, Object> m = F.asObject(json, path);
    String v = F.string(m, path, "cniVersion", null);
    List<Interface> ifs = new ArrayList<>();
    List<Object> l = F.list(m, path, "interfaces");
    for (int i = 0; l != null && i < l.size(); i++) ifs.add(parseInterface(l.get(i), path + ".interfaces[" + i + "]"));
    List<IpConfig> ips = new ArrayList<>();
    l = F.list(m, path, "ips");
    for (int i = 0; l != null && i < l.size(); i++) ips.add(parseIp(l.get(i), path + ".ips[" + i + "]", ifs.size()));
    List<RouteConf> routes = new ArrayList<>();
    l = F.list(m, path, "routes");
    for (int i = 0; l != null && i < l.size(); i++) routes.add(parseRoute(l.get(i), path + ".routes[" + i + "]"));
    Map<String, Object> d = F.object(m, path, "dns");
    return new Result(v, ifs, ips, routes, d == null ? null : parseDns(d, path + ".dns"));
  }

  private static Interface parseInterface(Object o, String p) throws CniError {
    Map<String, Object> m = F.asObject(o, p);
    return new Interface(F.string(m, p, "name", ""), F.string(m, p, "mac", null), F.integer(m, p, "mtu", null),
        F.string(m, p, "sandbox", null), F.string(m, p, "socketPath", null), F.string(m, p, "pciID", null));
  }

  private static IpConfig parseIp(Object o, String p, int interfaceCount) throws CniError {
    Map<String, Object> m = F.asObject(o, p);
    IpPrefix addr = F.cidr(m, p, "address");
    if (addr == null) throw F.error(p + ".address", "missing");
    InetAddress gw = F.address(m, p, "gateway");
    if (gw != null && (gw instanceof Inet4Address) != addr.isIpv4())
      throw F.error(p + ".gateway", "address family differs from the address " + addr);
    String ver = F.string(m, p, "version", null);
    if (ver != null && !ver.equals(addr.isIpv4() ? "4" : "6"))
      throw F.error(p + ".version", "\"" + JsonFields.shorten(ver) + "\" does not match the address " + addr);
    Integer idx = F.integer(m, p, "interface", null);
    if (idx != null && idx < 0) throw F.error(p + ".interface", "negative index " + idx);
    return new IpConfig(addr, gw, idx);
  }

  /** Parses one route {@code {dst, gw, mtu?, advmss?, priority?, table?, scope?}}. */
  public static RouteConf parseRoute(Object o, String p) throws CniError {
    Map<String, Object> m = F.asObject(o, p);
    IpPrefix dst = F.cidr(m, p, "dst");
    if (dst == null) throw F.error(p + ".dst", "missing");
    InetAddress gw = F.address(m, p, "gw");
    if (gw != null && (gw instanceof Inet4Address) != dst.isIpv4())
      throw F.error(p + ".gw", "address family differs from dst " + dst);
    return new RouteConf(dst, gw, F.integer(m, p, "mtu", null), F.integer(m, p, "advmss", null),
        F.integer(m, p, "priority", null), F.integer(m, p, "table", null), F.integer(m, p, "scope", null));
  }

  public static Dns parseDns(Map<String, Object> m, String p) throws CniError {
    return new Dns(F.strings(m, p, "nameservers"), F.string(m, p, "domain", null), F.strings(m, p, "search"),
        F.strings(m, p, "options"));
  }

  // ---- encoding ----

  /** This result in the shape of {@code version} (which is also written as its cniVersion). */
  public Map<String, Object> toJson(String version) {
    boolean v11 = CniVersion.supportsStatusGc(version);
    boolean ipVersion = CniVersion.hasIpVersionField(version);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cniVersion", version);
    if (!interfaces.isEmpty()) {
      List<Object> l = new ArrayList<>();
      for (Interface i : interfaces) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", i.name() == null ? "" : i.name());
        putIf(o, "mac", i.mac());
        if (v11) putIf(o, "mtu", i.mtu());
        putIf(o, "sandbox", i.sandbox());
        if (v11) putIf(o, "socketPath", i.socketPath());
        if (v11) putIf(o, "pciID", i.pciID());
        l.add(o);
      }
      m.put("interfaces", l);
    }
    if (!ips.isEmpty()) {
      List<Object> l = new ArrayList<>();
      for (IpConfig ip : ips) {
        Map<String, Object> o = new LinkedHashMap<>();
        if (ipVersion) o.put("version", ip.address().isIpv4() ? "4" : "6");
        if (ip.interfaceIndex() != null) o.put("interface", (long) ip.interfaceIndex());
        o.put("address", ip.address().toString());
        if (ip.gateway() != null) o.put("gateway", IpPrefix.format(ip.gateway()));
        l.add(o);
      }
      m.put("ips", l);
    }
    if (!routes.isEmpty()) {
      List<Object> l = new ArrayList<>();
      for (RouteConf r : routes) l.add(routeJson(r, v11));
      m.put("routes", l);
    }
    m.put("dns", dnsJson(dns));
    return m;
  }

  /** One route as JSON; the 1.1.0 fields only when {@code withV11Fields}. */
  public static Map<String, Object> routeJson(RouteConf r, boolean withV11Fields) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("dst", r.dst().toString());
    if (r.gw() != null) o.put("gw", IpPrefix.format(r.gw()));
    if (withV11Fields) {
      putIf(o, "mtu", r.mtu());
      putIf(o, "advmss", r.advmss());
      putIf(o, "priority", r.priority());
      if (r.table() != null) o.put("table", (long) r.table()); // *int in Go: 0 is meaningful
      if (r.scope() != null) o.put("scope", (long) r.scope());
    }
    return o;
  }

  public static Map<String, Object> dnsJson(Dns d) {
    Map<String, Object> o = new LinkedHashMap<>();
    if (d == null) return o;
    if (!d.nameservers().isEmpty()) o.put("nameservers", new ArrayList<Object>(d.nameservers()));
    putIf(o, "domain", d.domain());
    if (!d.search().isEmpty()) o.put("search", new ArrayList<Object>(d.search()));
    if (!d.options().isEmpty()) o.put("options", new ArrayList<Object>(d.options()));
    return o;
  }

  private static void putIf(Map<String, Object> o, String k, Object v) {
    if (v == null) return;
    if (v instanceof String s && s.isEmpty()) return;
    if (v instanceof Integer i) {
      if (i == 0) return; // Go's omitempty drops zero ints
      o.put(k, (long) i);
      return;
    }
    o.put(k, v);
  }
}
