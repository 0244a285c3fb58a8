package dev.weft.cni;

import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.kernel.MacAddress;
import dev.weft.nat.PortMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The reference bridge plugin's options, read from the network config, plus the capabilities weft
 * honours ({@code portMappings}, {@code mac}). Every wrong type or impossible combination is a
 * CNI error 7 naming the field.
 */
public record BridgeConfig(
    String network,
    String bridge,
    boolean isGateway,
    boolean isDefaultGateway,
    boolean forceAddress,
    boolean ipMasq,
    String ipMasqBackend,
    int mtu,
    boolean hairpinMode,
    boolean promiscMode,
    int vlan,
    boolean macspoofchk,
    boolean enableDad,
    MacAddress mac,
    List<PortMapping> portMappings) {

  static final String DEFAULT_BRIDGE = "cni0";

  public static BridgeConfig from(NetworkConfig conf, Map<String, String> cniArgs) throws CniError {
    String bridge = conf.string("bridge", DEFAULT_BRIDGE);
    if (bridge.isEmpty() || bridge.length() > 15 || bridge.contains("/") || bridge.contains(" "))
      throw invalid("bridge: \"" + bridge + "\" is not a valid interface name (1-15 characters, no '/' or spaces)");
    boolean isDefaultGateway = conf.bool("isDefaultGateway", false);
    boolean isGateway = conf.bool("isGateway", false) || isDefaultGateway;
    boolean promisc = conf.bool("promiscMode", false);
    boolean hairpinSet = conf.raw().containsKey("hairpinMode");
    boolean hairpin = conf.bool("hairpinMode", !promisc);
    if (hairpin && promisc)
      throw invalid(hairpinSet
          ? "hairpinMode and promiscMode cannot both be on (a promiscuous bridge already reflects frames, and duplicates them with hairpin)"
          : "promiscMode: set hairpinMode to false as well");
    int mtu = conf.integer("mtu", 0);
    if (mtu != 0 && (mtu < 68 || mtu > 65535)) throw invalid("mtu: " + mtu + " is outside 68-65535");
    int vlan = conf.integer("vlan", 0);
    if (vlan < 0 || vlan > 4094) throw invalid("vlan: " + vlan + " is outside 0-4094");
    String backend = conf.string("ipMasqBackend", "nftables");
    if (!backend.equals("nftables") && !backend.equals("iptables"))
      throw invalid("ipMasqBackend: \"" + backend + "\" is not one of nftables, iptables");
    return new BridgeConfig(conf.name(), bridge, isGateway, isDefaultGateway, conf.bool("forceAddress", false),
        conf.bool("ipMasq", false), backend, mtu, hairpin, promisc, vlan, conf.bool("macspoofchk", false),
        conf.bool("enabledad", false), requestedMac(conf, cniArgs), portMappings(conf));
  }

  /** MAC from runtimeConfig.mac, args.cni.mac or CNI_ARGS MAC=, in that order. */
  private static MacAddress requestedMac(NetworkConfig conf, Map<String, String> cniArgs) throws CniError {
    Object v = conf.runtimeConfig().get("mac");
    if (v == null && conf.args().get("cni") instanceof Map<?, ?> cni) v = cni.get("mac");
    if (v == null) v = cniArgs.get("MAC");
    if (v == null) return null;
    if (!(v instanceof String s)) throw invalid("mac: expected a string");
    try {
      MacAddress mac = MacAddress.parse(s);
      if ((mac.bytes()[0] & 1) != 0) throw invalid("mac: " + s + " is a multicast address");
      return mac;
    } catch (IllegalArgumentException e) {
      throw invalid("mac: " + e.getMessage());
    }
  }

  private static List<PortMapping> portMappings(NetworkConfig conf) throws CniError {
    Object v = conf.runtimeConfig().get("portMappings");
    if (v == null) return List.of();
    if (!(v instanceof List<?> list)) throw invalid("runtimeConfig.portMappings: expected a list");
    List<PortMapping> out = new ArrayList<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> m)) throw invalid("runtimeConfig.portMappings: each entry must be an object");
      int host = port(m.get("hostPort"), "hostPort");
      int container = port(m.get("containerPort"), "containerPort");
      String proto = m.get("protocol") == null ? "tcp" : String.valueOf(m.get("protocol")).toLowerCase();
      if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp"))
        throw invalid("runtimeConfig.portMappings: protocol \"" + proto + "\" is not tcp, udp or sctp");
      Object hostIp = m.get("hostIP");
      if (hostIp != null && !(hostIp instanceof String)) throw invalid("runtimeConfig.portMappings: hostIP must be a string");
      if (hostIp instanceof String s && !s.isEmpty()) {
        try {
          dev.weft.kernel.IpPrefix.parseAddress(s);
        } catch (IllegalArgumentException e) {
          throw invalid("runtimeConfig.portMappings: hostIP " + e.getMessage());
        }
      }
      out.add(new PortMapping(host, container, proto, (String) hostIp));
    }
    return List.copyOf(out);
  }

  private static int port(Object v, String field) throws CniError {
    if (!(v instanceof Long l) || l < 1 || l > 65535)
      throw invalid("runtimeConfig.portMappings: " + field + " must be a number 1-65535, got " + v);
    return l.intValue();
  }

  static CniError invalid(String msg) {
    return new CniError(CniError.INVALID_CONFIG, msg, null);
  }
}
