package dev.weft.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ProxyModel;
import dev.weft.proxy.model.ServicePort;
import dev.weft.proxy.model.TrafficPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * kube-proxy's service health checks: for every Service with {@code externalTrafficPolicy: Local}
 * and a {@code healthCheckNodePort}, an HTTP server on that port of the node's addresses that
 * answers 200 while this node has at least one ready local endpoint for it (so an external load
 * balancer sends traffic only to nodes that can serve it without a second hop) and 503 otherwise,
 * or while the proxy itself is unhealthy. The body is kube-proxy's:
 * {@code {"service":{"namespace":"ns","name":"svc"},"localEndpoints":1,"serviceProxyHealthy":true}}.
 *
 * <p>{@link #update} (after every sync) opens servers for new services, closes those of services
 * gone, and changes the counts in place. A port that cannot be bound (in use) is retried on the
 * next update. Thread-safe.
 */
public final class HealthCheckServer implements AutoCloseable {
  /** Which service a port answers for and how many local endpoints it has. */
  public record Status(String namespace, String name, int localEndpoints) {}

  private final List<InetAddress> addresses;
  private final BooleanSupplier proxyHealthy;
  private final Consumer<String> log;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final Map<Integer, Listener> listeners = new HashMap<>();
  private boolean closed;

  private static final class Listener {
    final List<HttpServer> servers = new ArrayList<>();
    volatile Status status;
  }

  /**
   * @param addresses where to listen (the node's addresses); empty means every address
   * @param proxyHealthy false when the proxy cannot program rules: every check then answers 503
   */
  public HealthCheckServer(List<InetAddress> addresses, BooleanSupplier proxyHealthy, Consumer<String> log) {
    this.addresses = List.copyOf(addresses);
    this.proxyHealthy = proxyHealthy == null ? () -> true : proxyHealthy;
    this.log = log == null ? s -> {} : log;
  }

  /** What each health check port should answer for {@code model} on node {@code nodeName} (pure). */
  public static Map<Integer, Status> wanted(ProxyModel model, String nodeName) {
    Map<Integer, String> owner = new HashMap<>();
    Map<Integer, Set<InetAddress>> local = new TreeMap<>();
    for (ServicePort sp : model.services().values()) {
      int port = sp.healthCheckNodePort();
      if (port <= 0 || sp.externalPolicy() != TrafficPolicy.LOCAL) continue;
      String svc = sp.id().namespace() + "/" + sp.id().name();
      if (!owner.computeIfAbsent(port, p -> svc).equals(svc)) continue; // two services on one port (invalid): first wins
      // a service's ports share one health check: count its distinct ready pods on this node
      Set<InetAddress> ips = local.computeIfAbsent(port, p -> new HashSet<>());
      for (Endpoint e : model.endpointsOf(sp.id()))
        if (e.ready() && nodeName != null && nodeName.equals(e.nodeName())) ips.add(e.ip());
    }
    Map<Integer, Status> out = new TreeMap<>();
    local.forEach((port, ips) -> {
      String svc = owner.get(port);
      int slash = svc.indexOf('/');
      out.put(port, new Status(svc.substring(0, slash), svc.substring(slash + 1), ips.size()));
    });
    return out;
  }

  /** Opens, updates and closes servers so that they match {@code model}. */
  public synchronized void update(ProxyModel model, String nodeName) {
    if (closed) return;
    Map<Integer, Status> want = wanted(model, nodeName);
    for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!want.containsKey(e.getKey())) {
        stop(e.getValue());
        it.remove();
        log.accept("health check port " + e.getKey() + " closed");
      }
    }
    for (var e : want.entrySet()) {
      Listener l = listeners.get(e.getKey());
      if (l != null) {
        l.status = e.getValue();
        continue;
      }
      l = new Listener();
      l.status = e.getValue();
      try {
        start(e.getKey(), l);
        listeners.put(e.getKey(), l);
        log.accept("health check port " + e.getKey() + " open for " + e.getValue().namespace() + "/" + e.getValue().name());
      } catch (IOException ex) {
        stop(l);
        log.accept("health check port " + e.getKey() + " for " + e.getValue().namespace() + "/" + e.getValue().name()
            + ": " + ex.getMessage() + " (retrying on the next sync)");
      }
    }
  }

  /** The ports being served and their status. */
  public synchronized Map<Integer, Status> serving() {
    Map<Integer, Status> out = new TreeMap<>();
    listeners.forEach((p, l) -> out.put(p, l.status));
    return out;
  }

  /** The ports being served. */
  public synchronized Set<Integer> ports() {
    return new TreeSet<>(listeners.keySet());
  }

  private void start(int port, Listener l) throws IOException {
    List<InetAddress> where = addresses.isEmpty() ? List.of(InetAddress.getByAddress(new byte[4])) : addresses;
    for (InetAddress a : where) {
      HttpServer s = HttpServer.create(new InetSocketAddress(a, port), 64);
      s.setExecutor(executor);
      s.createContext("/", ex -> answer(ex, l.status));
      s.start();
      l.servers.add(s);
    }
  }

  private void answer(HttpExchange ex, Status st) throws IOException {
    try (ex) {
      boolean healthy = proxyHealthy.getAsBoolean();
      String body = "{\"service\":{\"namespace\":" + quote(st.namespace()) + ",\"name\":" + quote(st.name()) + "},\"localEndpoints\":"
          + st.localEndpoints() + ",\"serviceProxyHealthy\":" + healthy + "}";
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      ex.getResponseHeaders().set("X-Load-Balancing-Endpoint-Weight", Integer.toString(st.localEndpoints()));
      int code = st.localEndpoints() > 0 && healthy ? 200 : 503;
      if (ex.getRequestMethod().equals("HEAD")) {
        ex.sendResponseHeaders(code, -1);
        return;
      }
      ex.sendResponseHeaders(code, b.length);
      ex.getResponseBody().write(b);
    }
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : Objects.requireNonNullElse(s, "").toCharArray()) {
      if (c == '"' || c == '\\') sb.append('\\').append(c);
      else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
      else sb.append(c);
    }
    return sb.append('"').toString();
  }

  private static void stop(Listener l) {
    for (HttpServer s : l.servers) s.stop(0);
    l.servers.clear();
  }

  @Override
  public synchronized void close() {
    closed = true;
    listeners.values().forEach(HealthCheckServer::stop);
    listeners.clear();
    executor.shutdownNow();
  }
}
