package dev.weft.proxy.iptables;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ServicePortName;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The chain names, kube-proxy's scheme with weft's prefix: a per-service-port chain is
 * {@code WEFT-SVC-} + the first 16 base32 characters of SHA-256({@code "ns/name:port" + "tcp"}), a
 * per-endpoint chain hashes the same plus {@code "ip:port"}. 25 characters, under iptables' limit of
 * 28, and stable across restarts so a new process finds (and replaces) its predecessor's chains.
 */
public final class ChainNames {
  private ChainNames() {}

  // nat
  public static final String SERVICES = "WEFT-SERVICES";
  public static final String NODEPORTS = "WEFT-NODEPORTS";
  public static final String POSTROUTING = "WEFT-POSTROUTING";
  public static final String MARK_MASQ = "WEFT-MARK-MASQ";
  // filter (SERVICES and NODEPORTS too)
  public static final String EXTERNAL_SERVICES = "WEFT-EXTERNAL-SERVICES";
  public static final String FORWARD = "WEFT-FORWARD";

  public static final String SVC = "WEFT-SVC-", SVL = "WEFT-SVL-", EXT = "WEFT-EXT-", SEP = "WEFT-SEP-";
  /** kube-proxy's KUBE-FW-: a LoadBalancer IP with loadBalancerSourceRanges enters here. */
  public static final String FW = "WEFT-FW-";

  /** True for every chain this backend owns in the nat or filter table (not host-nat's WEFT-HOSTPORT-…, WEFT-MASQ-…, WEFT-DN-…). */
  public static boolean isProxyChain(String chain) {
    return isServiceChain(chain)
        || chain.equals(SERVICES) || chain.equals(NODEPORTS) || chain.equals(POSTROUTING) || chain.equals(MARK_MASQ)
        || chain.equals(EXTERNAL_SERVICES) || chain.equals(FORWARD);
  }

  /** Per service port chains (the ones partial syncs create and delete). */
  public static boolean isServiceChain(String chain) {
    return chain.startsWith(SVC) || chain.startsWith(SVL) || chain.startsWith(EXT) || chain.startsWith(SEP) || chain.startsWith(FW);
  }

  /** "default/web:http", or "default/web" for an unnamed port: kube-proxy's ServicePortName.String(). */
  public static String portString(ServicePortName id) {
    return id.portName().isEmpty() ? id.namespace() + "/" + id.name() : id.namespace() + "/" + id.name() + ":" + id.portName();
  }

  public static String svc(ServicePortName id) {
    return SVC + hash(portString(id) + id.protocol().lower());
  }

  public static String svl(ServicePortName id) {
    return SVL + hash(portString(id) + id.protocol().lower());
  }

  public static String ext(ServicePortName id) {
    return EXT + hash(portString(id) + id.protocol().lower());
  }

  public static String fw(ServicePortName id) {
    return FW + hash(portString(id) + id.protocol().lower());
  }

  public static String sep(ServicePortName id, Endpoint ep) {
    return SEP + hash(portString(id) + id.protocol().lower() + endpointString(ep));
  }

  /** "10.244.1.2:8080", "[fd00::2]:8080". */
  public static String endpointString(Endpoint ep) {
    String ip = IpPrefix.format(ep.ip());
    return ep.ip() instanceof Inet6Address ? "[" + ip + "]:" + ep.port() : ip + ":" + ep.port();
  }

  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  /** The first 16 characters of the standard base32 encoding of SHA-256(s): exactly its first 10 bytes. */
  static String hash(String s) {
    byte[] h = SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8));
    long bits = 0;
    for (int i = 0; i < 5; i++) bits = (bits << 8) | (h[i] & 0xff);
    long bits2 = 0;
    for (int i = 5; i < 10; i++) bits2 = (bits2 << 8) | (h[i] & 0xff);
    char[] out = new char[16];
    for (int i = 0; i < 8; i++) out[i] = BASE32[(int) (bits >>> (35 - 5 * i)) & 31];
    for (int i = 0; i < 8; i++) out[8 + i] = BASE32[(int) (bits2 >>> (35 - 5 * i)) & 31];
    return new String(out);
  }
}
