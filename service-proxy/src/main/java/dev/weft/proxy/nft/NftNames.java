package dev.weft.proxy.nft;

import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ServicePortName;
import dev.weft.kernel.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Readable names for the per-service chains and sets: {@code svc-default/web/http/tcp},
 * {@code ep-default/web/http/tcp__10.244.1.2/80}. Kubernetes names and port names are DNS labels
 * ({@code [a-z0-9-]}), so '/' separates them unambiguously; the protocol is always last, and an
 * unnamed port leaves its part out ({@code svc-default/web/tcp}). nft identifiers may hold letters,
 * digits and {@code / - _ .}; a name longer than {@link #MAX} keeps its start and ends in a hash of
 * the whole, so it stays unique and within the kernel's limit (NFT_NAME_MAXLEN 256).
 */
public final class NftNames {
  /** Kept well under the kernel's 255 so that prefixes stay within it. */
  static final int MAX = 200;

  private NftNames() {}

  /** "default/web/http/tcp" (or "default/web/tcp" for an unnamed port). */
  public static String base(ServicePortName id) {
    StringBuilder b = new StringBuilder(id.namespace().length() + id.name().length() + id.portName().length() + 8);
    b.append(id.namespace()).append('/').append(id.name()).append('/');
    if (!id.portName().isEmpty()) b.append(id.portName()).append('/');
    return b.append(proto(id.protocol())).toString();
  }

  private static final String[] PROTO = {"tcp", "udp", "sctp"};

  /** "tcp", as nft spells it (Protocol.lower() lower-cases anew on every call). */
  static String proto(dev.weft.proxy.model.Protocol p) {
    return PROTO[p.ordinal()];
  }

  /** Balancing over all usable endpoints of the cluster. */
  public static String serviceChain(String base) {
    return limit("svc-" + base);
  }

  /** Balancing over this node's endpoints (Local traffic policies). */
  public static String localChain(String base) {
    return limit("local-" + base);
  }

  /** Entry for NodePort, externalIP and LoadBalancer traffic. */
  public static String externalChain(String base) {
    return limit("ext-" + base);
  }

  public static String endpointChain(String base, Endpoint e) {
    return limit("ep-" + base + "__" + IpPrefix.format(e.ip()) + "/" + e.port());
  }

  /** The per-endpoint sessionAffinity set of client addresses. */
  public static String affinitySet(String base, Endpoint e) {
    return limit("aff-" + base + "__" + IpPrefix.format(e.ip()) + "/" + e.port());
  }

  static String limit(String name) {
    if (name.length() <= MAX) return name;
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
      return name.substring(0, MAX - 17) + "-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
