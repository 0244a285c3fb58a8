package dev.weft.agent.fastpath;

import dev.weft.cni.BridgePlugin;
import dev.weft.cni.protocol.PluginLog;
import dev.weft.cni.protocol.PluginRunner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The agent's end of the CNI fast path: a unix socket (mode 0600, root peers only) on which the C
 * {@code weft-cni} forwards each invocation; the agent runs the same Java plugin code in-process
 * (warm JIT, no JVM start) and sends back exactly what the standalone plugin would have printed.
 */
public final class CniFastPath implements AutoCloseable {
  private final Path socket;
  private final Path netns;
  private final Consumer<String> log;
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final AtomicLong served = new AtomicLong();
  private ServerSocketChannel server;
  private Thread acceptor;

  /**
   * @param netns where invocations run: null = the agent's own namespace (the node's, in
   *     production); tests pass a throw-away namespace
   */
  public CniFastPath(Path socket, Path netns, Consumer<String> log) {
    this.socket = socket;
    this.netns = netns;
    this.log = log;
  }

  public synchronized void start() throws IOException {
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket); // a stale socket of a previous agent run
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    acceptor = Thread.ofPlatform().name("cni-fast-path").daemon().start(this::acceptLoop);
  }

  public long served() {
    return served.get();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel ch = server.accept();
        workers.submit(() -> serve(ch));
      } catch (IOException e) {
        if (server.isOpen()) log.accept("fast path: accept failed: " + e.getMessage());
      }
    }
  }

  private void serve(SocketChannel ch) {
    try (ch) {
      if (!PeerCheck.isRoot(ch)) {
        log.accept("fast path: refused a non-root peer");
        return;
      }
      InputStream in = Channels.newInputStream(ch);
      OutputStream out = Channels.newOutputStream(ch);
      FastPathResponse answer;
      try {
        FastPathRequest req = FastPathRequest.read(in);
        answer = netns == null ? invoke(req) : dev.weft.kernel.NetNs.call(netns, () -> invoke(req));
      } catch (FastPathRequest.MalformedRequestException e) {
        answer = error(4, "malformed fast-path request: " + e.getMessage());
      }
      out.write(answer.encode());
      served.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      log.accept("fast path: " + e);
    }
  }

  /** Runs one CNI invocation in-process, as {@code weft-cni-jvm} would with this env and stdin. */
  public static FastPathResponse invoke(FastPathRequest req) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream(1024);
    ByteArrayOutputStream stderr = new ByteArrayOutputStream(256);
    PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
    PluginLog log = PluginLog.standard("weft-cni", req.env(), err);
    int exit = PluginRunner.run(new BridgePlugin(log::info, req.env()), req.env(), new ByteArrayInputStream(req.stdin()),
        new PrintStream(stdout, true, StandardCharsets.UTF_8), log);
    log.flush();
    return new FastPathResponse(exit, stdout.toByteArray(), stderr.toByteArray());
  }

  private static FastPathResponse error(int code, String msg) {
    String json = "{\"cniVersion\":\"1.0.0\",\"code\":" + code + ",\"msg\":" + dev.weft.cni.protocol.Json.writeString(msg) + "}";
    return new FastPathResponse(1, json.getBytes(StandardCharsets.UTF_8), new byte[0]);
  }

  @Override
  public synchronized void close() throws IOException {
    if (server != null) server.close();
    workers.shutdown();
    Files.deleteIfExists(socket);
  }
}
