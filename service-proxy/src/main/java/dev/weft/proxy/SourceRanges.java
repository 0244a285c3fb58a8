package dev.weft.proxy;

import dev.weft.kernel.IpPrefix;
import io.fabric8.kubernetes.api.model.Service;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Service's {@code spec.loadBalancerSourceRanges} as the proxy programs them: the field, or when
 * it is empty the legacy annotation {@value #ANNOTATION} (comma-separated), as kube-proxy and the
 * cloud providers read it. Entries are trimmed and must be CIDRs ("10.0.0.0/8"; host bits are
 * cleared, as Go's ParseCIDR does); an entry that is not one is ignored with a log line, as
 * kube-proxy does. IPv6 ranges are valid but not programmed (the proxy is IPv4-only), so they are
 * dropped without a word.
 */
public final class SourceRanges {
  /** The annotation kube-proxy accepts when the field is empty. */
  public static final String ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

  private static final System.Logger LOG = System.getLogger(SourceRanges.class.getName());
  /** Invalid entries already logged ("ns/name: entry"): the model is translated again on every sync. */
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
  private static final int MAX_REPORTED = 4096;

  private SourceRanges() {}

  /** The IPv4 source ranges of {@code svc}, each network once, in the order given; empty when none. */
  public static List<IpPrefix> of(Service svc) {
    List<String> raw = svc.getSpec() == null ? null : svc.getSpec().getLoadBalancerSourceRanges();
    if (raw == null || raw.stream().allMatch(s -> s == null || s.isBlank())) {
      Map<String, String> annotations = svc.getMetadata() == null ? null : svc.getMetadata().getAnnotations();
      String value = annotations == null ? null : annotations.get(ANNOTATION);
      raw = value == null || value.isBlank() ? List.of() : List.of(value.split(","));
    }
    List<IpPrefix> out = new ArrayList<>(raw.size());
    for (String entry : raw) {
      IpPrefix p = parse(entry);
      if (p == null) {
        if (entry != null && !entry.isBlank()) report(svc, entry.trim());
        continue;
      }
      if (p.isIpv4() && !out.contains(p)) out.add(p);
    }
    return out;
  }

  /** "a.b.c.d/n" or "x::y/n" as its network, else null (a bare address is not a range). */
  static IpPrefix parse(String entry) {
    if (entry == null) return null;
    String s = entry.trim();
    if (s.indexOf('/') < 0) return null;
    try {
      return IpPrefix.parse(s).network();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static void report(Service svc, String entry) {
    String name = svc.getMetadata() == null ? "?" : svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName();
    if (REPORTED.size() >= MAX_REPORTED) REPORTED.clear();
    if (REPORTED.add(name + ": " + entry))
      LOG.log(Level.WARNING, "service {0}: ignoring invalid loadBalancerSourceRanges entry \"{1}\" (not a CIDR)", name, entry);
  }
}
