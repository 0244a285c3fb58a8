package dev.weft.ipam;

import dev.weft.cni.protocol.Attachment;
import dev.weft.cni.protocol.CniEnv;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.CniVersion;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import dev.weft.cni.protocol.Result.Dns;
import dev.weft.cni.protocol.Result.IpConfig;
import dev.weft.kernel.IpPrefix;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * weft's IPAM, host-local compatible (same config, same files, same lock), for in-process use by
 * weft-cni and as the standalone weft-ipam plugin.
 *
 * <p>Differences from host-local, all deliberate: a repeated ADD for an attachment that already holds
 * an address in a range set returns that address (an idempotent retry) instead of failing with
 * "duplicate allocation"; one lock covers the whole ADD (all range sets); STATUS and GC exist.
 *
 * <p>Error codes: 7 invalid config or an impossible request (requested IP outside every range, the
 * gateway, or taken); 11 a range set is exhausted (clears when pods go); 5 I/O; CHECK: 3 when the
 * attachment holds nothing, 7 when it disagrees with prevResult; STATUS: 50.
 */
public final class Ipam {
  private final NetworkConfig conf;
  private final CniEnv env;
  private final IpamConfig config;

  /** Parses the IPAM config (code 7 on error); {@code env} may be null for STATUS/GC/release. */
  public Ipam(NetworkConfig conf, CniEnv env) throws CniError {
    this.conf = conf;
    this.env = env;
    this.config = IpamConfig.parse(conf, env);
  }

  public IpamConfig config() {
    return config;
  }

  /** ADD for env's container and ifname: one address per range set, plus routes and DNS; no interfaces. */
  public Result add() throws CniError {
    if (env == null || env.containerId() == null || env.ifname() == null)
      throw new CniError(CniError.INVALID_ENV, "IPAM ADD needs CNI_CONTAINERID and CNI_IFNAME");
    String id = env.containerId(), ifname = env.ifname();
    Dns dns = config.resolvConf() == null ? new Dns(null, null, null, null) : ResolvConf.read(config.resolvConf());
    List<IpConfig> ips = new ArrayList<>();
    List<InetAddress> fresh = new ArrayList<>();
    try (ReservationStore store = ReservationStore.lock(config.networkDir())) {
      try {
        List<Reservation> all = store.list();
        Set<InetAddress> taken = new HashSet<>();
        for (Reservation r : all) taken.add(r.ip());
        List<InetAddress> requested = new ArrayList<>(config.requestedIps());
        for (RangeSet set : config.rangeSets()) {
          InetAddress want = null;
          for (InetAddress a : requested) if (set.contains(a)) { want = a; break; }
          if (want != null) requested.remove(want);
          InetAddress got = reuse(all, set, id, ifname, want);
          if (got == null && want != null) got = reserveRequested(store, set, want, id, ifname);
          if (got == null) {
            got = new AddressAllocator(set, store).allocate(id, ifname, taken);
            if (got == null)
              throw new CniError(CniError.TRY_AGAIN_LATER, "no IP addresses available in range set " + set.index() + ": " + set);
            fresh.add(got);
          } else if (want != null && !containsIp(all, got)) {
            fresh.add(got);
          }
          taken.add(got);
          Range r = set.rangeFor(got);
          ips.add(new IpConfig(new IpPrefix(got, r.subnet().prefixLength()), r.gateway(), null));
        }
        if (!requested.isEmpty()) {
          StringBuilder sb = new StringBuilder();
          for (InetAddress a : requested) sb.append(' ').append(IpPrefix.format(a));
          throw CniError.config("requested IPs are in no range set:" + sb + " (ranges " + config.rangeSets() + ")");
        }
      } catch (CniError | RuntimeException e) {
        for (InetAddress a : fresh) deleteQuietly(store, a);
        throw e;
      }
    }
    return new Result(resultVersion(), List.of(), ips, config.routes(), dns);
  }

  private static boolean containsIp(List<Reservation> all, InetAddress a) {
    for (Reservation r : all) if (r.ip().equals(a)) return true;
    return false;
  }

  /** The attachment's existing address in {@code set} (idempotent ADD), checked against a requested IP. */
  private static InetAddress reuse(List<Reservation> all, RangeSet set, String id, String ifname, InetAddress want)
      throws CniError {
    InetAddress held = null;
    for (Reservation r : all) {
      if (!r.isFor(id, ifname) || !set.contains(r.ip())) continue;
      if (r.ip().equals(want)) return want;
      if (held == null) held = r.ip();
    }
    if (held != null && want != null)
      throw CniError.config("container " + id + " (" + ifname + ") already holds " + IpPrefix.format(held) + " in range set "
          + set.index() + ", cannot also take the requested " + IpPrefix.format(want));
    return held;
  }

  private static InetAddress reserveRequested(ReservationStore store, RangeSet set, InetAddress want, String id, String ifname)
      throws CniError {
    Range r = set.rangeFor(want);
    if (want.equals(r.gateway()))
      throw CniError.config("requested IP " + IpPrefix.format(want) + " is the gateway of " + r.subnet());
    if (!store.reserve(want, id, ifname, set.index()))
      throw CniError.config("requested IP " + IpPrefix.format(want) + " is not available in range set " + set.index() + ": " + set);
    return want;
  }

  private static void deleteQuietly(ReservationStore store, InetAddress a) {
    try {
      Files.deleteIfExists(store.dir().resolve(ReservationStore.fileName(a)));
    } catch (IOException ignored) {
      // best effort rollback
    }
  }

  private String resultVersion() {
    try {
      return CniVersion.negotiate(conf.cniVersion(), conf.cniVersions());
    } catch (CniError e) {
      return CniVersion.LATEST;
    }
  }

  /** DEL: frees every address of the attachment (idempotent); returns what was freed. */
  public List<InetAddress> release(String containerId, String ifname) throws CniError {
    if (!Files.isDirectory(config.networkDir())) return List.of();
    try (ReservationStore store = ReservationStore.lock(config.networkDir())) {
      return store.release(containerId, ifname);
    }
  }

  /** The addresses the attachment holds (current file format), without locking. */
  public List<InetAddress> reserved(String containerId, String ifname) {
    List<InetAddress> r = new ArrayList<>();
    try {
      for (Reservation res : ReservationStore.list(config.networkDir())) if (res.isFor(containerId, ifname)) r.add(res.ip());
    } catch (CniError e) {
      return r;
    }
    return r;
  }

  /**
   * CHECK: the attachment holds an address in every range set, and every prevResult address that lies
   * in a range set is one of them.
   */
  public void check(String containerId, String ifname) throws CniError {
    List<InetAddress> mine = reserved(containerId, ifname);
    if (mine.isEmpty())
      throw new CniError(CniError.UNKNOWN_CONTAINER, "no address is reserved for container " + containerId + " (" + ifname
          + ") in network " + config.network());
    for (RangeSet set : config.rangeSets()) {
      boolean found = false;
      for (InetAddress a : mine) found |= set.contains(a);
      if (!found)
        throw CniError.config("container " + containerId + " (" + ifname + ") holds no address in range set " + set.index() + ": " + set);
    }
    Result prev = conf.prevResult();
    if (prev == null) return;
    for (IpConfig ip : prev.ips())
      if (config.rangeSetFor(ip.address().address()) != null && !mine.contains(ip.address().address()))
        throw CniError.config("prevResult address " + ip.address() + " is not reserved for container " + containerId + " (" + ifname + ")");
  }

  /** STATUS: code 50 when the data directory is unusable or some range set has no free address. */
  public void status() throws CniError {
    try {
      Files.createDirectories(config.networkDir());
    } catch (IOException | RuntimeException e) {
      throw new CniError(CniError.NOT_AVAILABLE, "IPAM data directory " + config.networkDir() + " is unusable", e.toString());
    }
    if (!Files.isWritable(config.networkDir()))
      throw new CniError(CniError.NOT_AVAILABLE, "IPAM data directory " + config.networkDir() + " is not writable");
    List<Reservation> all = ReservationStore.list(config.networkDir());
    for (RangeSet set : config.rangeSets()) {
      long used = 0;
      for (Reservation r : all) {
        Range range = set.rangeFor(r.ip());
        if (range != null && !r.ip().equals(range.gateway())) used++;
      }
      BigInteger cap = set.capacity();
      if (BigInteger.valueOf(used).compareTo(cap) >= 0)
        throw new CniError(CniError.NOT_AVAILABLE, "no free address in range set " + set.index() + " (" + set + "): all " + cap
            + " are reserved");
    }
  }

  /**
   * GC: frees every reservation whose attachment is not in {@code valid} (a pre-0.7 file without
   * ifname stays while any valid attachment has its container ID); returns what was freed.
   */
  public List<InetAddress> gc(Set<Attachment> valid) throws CniError {
    if (!Files.isDirectory(config.networkDir())) return List.of();
    Set<String> validIds = new HashSet<>();
    for (Attachment a : valid) validIds.add(a.containerId().strip());
    List<InetAddress> freed = new ArrayList<>();
    try (ReservationStore store = ReservationStore.lock(config.networkDir())) {
      for (Reservation r : store.list()) {
        boolean keep = r.ifname() == null ? validIds.contains(r.containerId())
            : valid.contains(new Attachment(r.containerId(), r.ifname()));
        if (!keep && store.remove(r)) freed.add(r.ip());
      }
    }
    return freed;
  }
}
