package dev.weft.proxy;

import dev.weft.kernel.IpPrefix;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.Protocol;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.ServicePortName;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Clears stale UDP conntrack entries after a sync (both backends). UDP has no connection end: a
 * client that keeps sending from one port keeps its conntrack entry, and with it the DNAT to an
 * endpoint that no longer exists (k8s#19029, #125467). For every removed UDP endpoint this deletes
 * the entries whose original destination is one of the service's addresses (ClusterIPs, externalIPs,
 * LoadBalancer IPs; port = service port) or its NodePort, and whose reply comes from that endpoint;
 * the client's next datagram is then a new connection and meets the current rules. Services that
 * go from no endpoint to some get their un-NAT'd entries to the service address deleted too.
 * Runs {@code conntrack -D} in the namespace; never throws (failures are logged), so a sync never
 * fails because of it.
 */
public final class ConntrackCleaner {
  private static final System.Logger LOG = System.getLogger(ConntrackCleaner.class.getName());
  private final Path netns;

  /** @param netns the namespace (a /run/netns path), null for the current one */
  public ConntrackCleaner(Path netns) {
    this.netns = netns;
  }

  /**
   * The conntrack argument lists that clear the given removed endpoints (pure). Service definitions
   * come from {@code current}, else {@code previous} (a removed service).
   */
  public static List<List<String>> commands(Map<ServicePortName, List<Endpoint>> removed, ProxyModel previous, ProxyModel current) {
    Set<List<String>> out = new LinkedHashSet<>();
    for (var e : removed.entrySet()) {
      ServicePortName id = e.getKey();
      if (id.protocol() != Protocol.UDP) continue;
      List<ServicePort> defs = new ArrayList<>(2);
      if (current != null && current.services().get(id) != null) defs.add(current.services().get(id));
      if (previous != null && previous.services().get(id) != null) defs.add(previous.services().get(id));
      for (Endpoint ep : e.getValue()) {
        String epIp = IpPrefix.format(ep.ip());
        String family = ep.ip() instanceof java.net.Inet6Address ? "ipv6" : "ipv4";
        for (ServicePort svc : defs) {
          for (InetAddress ip : addresses(svc)) {
            if ((ip instanceof java.net.Inet6Address) != (ep.ip() instanceof java.net.Inet6Address)) continue;
            out.add(List.of("-D", "-f", family, "-p", "udp", "--orig-dst", IpPrefix.format(ip), "--orig-port-dst", String.valueOf(svc.port()),
                "--reply-src", epIp, "--reply-port-src", String.valueOf(ep.port())));
          }
          if (svc.nodePort() != 0)
            out.add(List.of("-D", "-f", family, "-p", "udp", "--orig-port-dst", String.valueOf(svc.nodePort()),
                "--reply-src", epIp, "--reply-port-src", String.valueOf(ep.port())));
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * The conntrack argument lists that clear entries to the addresses of UDP services that had no
   * usable endpoint in {@code previous} and have some in {@code current} (pure): their entries were
   * made while the traffic could not be DNAT'd.
   */
  public static List<List<String>> newlyServedCommands(ProxyModel previous, ProxyModel current, String nodeName) {
    List<List<String>> out = new ArrayList<>();
    if (previous == null) return out;
    for (ServicePort svc : current.services().values()) {
      if (svc.id().protocol() != Protocol.UDP) continue;
      ServicePort before = previous.services().get(svc.id());
      boolean had = before != null && !EndpointSelection.choose(before, previous.endpointsOf(svc.id()), nodeName).all().isEmpty();
      boolean has = !EndpointSelection.choose(svc, current.endpointsOf(svc.id()), nodeName).all().isEmpty();
      if (had || !has) continue;
      for (InetAddress ip : addresses(svc))
        out.add(List.of("-D", "-f", ip instanceof java.net.Inet6Address ? "ipv6" : "ipv4", "-p", "udp", "--orig-dst", IpPrefix.format(ip),
            "--orig-port-dst", String.valueOf(svc.port())));
    }
    return out;
  }

  private static List<InetAddress> addresses(ServicePort svc) {
    List<InetAddress> r = new ArrayList<>(svc.clusterIps());
    r.addAll(svc.externalIps());
    r.addAll(svc.loadBalancerIps());
    return r;
  }

  /**
   * Clears what a sync from {@code previous} to {@code current} made stale: the removed UDP
   * endpoints of {@code result} and the newly served UDP services. Returns the number of
   * conntrack commands that failed (0 normally); never throws.
   */
  public int afterSync(SyncResult result, ProxyModel previous, ProxyModel current, String nodeName) {
    List<List<String>> cmds = new ArrayList<>(commands(result.removedUdpEndpoints(), previous, current));
    try {
      cmds.addAll(newlyServedCommands(previous, current, nodeName));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "conntrack clean-up: {0}", e.toString());
    }
    return run(cmds);
  }

  /** Clears the entries of removed UDP endpoints; returns the number of failed commands. */
  public int clearRemoved(Map<ServicePortName, List<Endpoint>> removed, ProxyModel previous, ProxyModel current) {
    return run(commands(removed, previous, current));
  }

  private int run(List<List<String>> cmds) {
    int failed = 0;
    for (List<String> args : cmds) {
      List<String> argv = new ArrayList<>(args.size() + 3);
      if (netns != null) {
        argv.add("nsenter");
        argv.add("--net=" + netns);
      }
      argv.add("conntrack");
      argv.addAll(args);
      try {
        Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(false).start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          failed++;
          LOG.log(Level.WARNING, "conntrack timed out: {0}", String.join(" ", argv));
          continue;
        }
        // exit 1 with "0 flow entries have been deleted" just means nothing matched
        if (p.exitValue() != 0 && !err.contains("0 flow entries")) {
          failed++;
          LOG.log(Level.WARNING, "{0}: exit {1}: {2}", String.join(" ", argv), p.exitValue(), err.strip());
        }
      } catch (IOException e) {
        failed++;
        LOG.log(Level.WARNING, "cannot run conntrack: {0}", e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return failed + 1;
      }
    }
    return failed;
  }
}
