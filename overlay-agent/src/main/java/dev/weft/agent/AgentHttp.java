package dev.weft.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The agent's HTTP port: {@code /metrics} (Prometheus text), {@code /healthz} (the agent's loops
 * are alive) and {@code /readyz} (subnet held, node programmed, CNI config written).
 */
final class AgentHttp implements AutoCloseable {
  private final HttpServer server;

  AgentHttp(String listen, PrometheusMeterRegistry metrics, BooleanSupplier healthy, Supplier<String> readiness)
      throws IOException {
    int colon = listen.lastIndexOf(':');
    if (colon < 0) throw new IllegalArgumentException("--http-listen \"" + listen + "\" is not HOST:PORT");
    String host = listen.substring(0, colon);
    int port = Integer.parseInt(listen.substring(colon + 1));
    server = HttpServer.create(new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port), 16);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/metrics", ex -> reply(ex, 200, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.createContext("/healthz", ex -> reply(ex, healthy.getAsBoolean() ? 200 : 503, healthy.getAsBoolean() ? "ok\n" : "unhealthy\n", "text/plain"));
    server.createContext("/readyz", ex -> {
      String notReady = readiness.get();
      reply(ex, notReady == null ? 200 : 503, notReady == null ? "ready\n" : "not ready: " + notReady + "\n", "text/plain");
    });
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int code, String body, String type) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (var out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
