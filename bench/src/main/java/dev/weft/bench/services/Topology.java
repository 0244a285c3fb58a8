package dev.weft.bench.services;

import dev.weft.kernel.NetNs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One node with its pods, in throw-away namespaces, routed the way a point-to-point CNI does it (no
 * bridge, so every packet between pods crosses the node's IP layer and its NAT rules):
 * <pre>
 *   client 10.244.1.2/32 ─veth─┐
 *   pod-0  10.244.1.10/32 ─veth─┤ [node] 10.244.1.1 on every veth, a /32 route per pod,
 *   …                           │        ip_forward=1, 192.168.50.1/32 on lo (the node address)
 *   pod-9  10.244.1.19/32 ─veth─┘
 * </pre>
 * The pods' TCP servers (port 8080, echo) are sockets of this JVM created inside the pod
 * namespaces, served by one selector thread; the client's sockets are created inside the client
 * namespace the same way ({@link NetNs#call}), so connect and round-trip times carry no process
 * start-up. With {@code pods = 0} it is a bare node namespace (for extra full-sync samples).
 */
final class Topology implements AutoCloseable {
  final String tag;
  final Path node, client;
  final List<Path> pods = new ArrayList<>();
  private final Namespaces ns;
  private final List<ServerSocketChannel> servers = new ArrayList<>();
  private Selector selector;
  private Thread loop;
  private SocketChannel steady;
  private volatile boolean closing;

  private Topology(Namespaces ns, String tag, Path node, Path client) {
    this.ns = ns;
    this.tag = tag;
    this.node = node;
    this.client = client;
  }

  static Topology bare(Namespaces ns, String tag) {
    Path node = ns.create(tag);
    Topology t = new Topology(ns, tag, node, null);
    t.sh(node, "ip", "link", "set", "lo", "up");
    return t;
  }

  static Topology create(Namespaces ns, String tag, int pods) {
    Path node = ns.create(tag + "-node");
    Topology t = null;
    try {
      Path client = ns.create(tag + "-cli");
      t = new Topology(ns, tag, node, client);
      for (int i = 0; i < pods; i++) t.pods.add(ns.create(tag + "-p" + i));
      t.wire();
      t.startServers();
      return t;
    } catch (RuntimeException | Error e) {
      if (t != null) t.close();
      else ns.delete(node);
      throw e;
    }
  }

  private void wire() {
    StringBuilder nb = new StringBuilder("link set lo up\naddr add " + ServiceModels.NODE_IP + "/32 dev lo\n");
    List<Path> all = new ArrayList<>();
    all.add(client);
    all.addAll(pods);
    for (int i = 0; i < all.size(); i++) {
      String ip = i == 0 ? ServiceModels.CLIENT_IP : ServiceModels.podIp(i - 1);
      String veth = "v" + i;
      sh(node, "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", all.get(i).toString());
      nb.append("link set ").append(veth).append(" up\naddr add ").append(ServiceModels.GATEWAY).append("/32 dev ").append(veth)
          .append("\nroute add ").append(ip).append("/32 dev ").append(veth).append('\n');
      String pb = "link set lo up\nlink set eth0 up\naddr add " + ip + "/32 dev eth0\nroute add " + ServiceModels.GATEWAY
          + " dev eth0 scope link\nroute add default via " + ServiceModels.GATEWAY + " dev eth0\n";
      batch(all.get(i), pb);
    }
    batch(node, nb.toString());
    sh(node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
  }

  private void startServers() {
    try {
      selector = Selector.open();
      for (Path p : pods) {
        ServerSocketChannel s = NetNs.call(p, () -> {
          ServerSocketChannel c = ServerSocketChannel.open();
          c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
          c.bind(new InetSocketAddress("0.0.0.0", ServiceModels.POD_PORT), 4096);
          return c;
        });
        s.configureBlocking(false);
        s.register(selector, SelectionKey.OP_ACCEPT);
        servers.add(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    loop = Thread.ofPlatform().daemon(true).name("echo " + tag).start(this::serve);
  }

  /** Accepts, echoes every byte back, closes on EOF or reset. */
  private void serve() {
    ByteBuffer buf = ByteBuffer.allocateDirect(4096);
    while (!closing) {
      try {
        selector.select();
        var it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          if (!k.isValid()) continue;
          if (k.isAcceptable()) {
            SocketChannel c = ((ServerSocketChannel) k.channel()).accept();
            if (c == null) continue;
            c.configureBlocking(false);
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.register(selector, SelectionKey.OP_READ);
          } else if (k.isReadable()) {
            SocketChannel c = (SocketChannel) k.channel();
            buf.clear();
            int r;
            try {
              r = c.read(buf);
            } catch (IOException e) {
              r = -1;
            }
            if (r < 0) {
              k.cancel();
              c.close();
            } else if (r > 0) {
              buf.flip();
              while (buf.hasRemaining()) c.write(buf);
            }
          }
        }
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
        if (!selector.isOpen()) return;
      }
    }
    // every socket holds its namespace (and so its rules) alive: close them all
    for (SelectionKey k : selector.keys()) {
      try {
        k.channel().close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** {@code n} unconnected client sockets, created inside the client namespace. */
  List<SocketChannel> clientSockets(int n) {
    return NetNs.call(client, () -> {
      List<SocketChannel> l = new ArrayList<>(n);
      for (int i = 0; i < n; i++) l.add(SocketChannel.open());
      return l;
    });
  }

  /** A connection to addr that either works within 2 s (true) or not: checks before anything is timed. */
  boolean answers(InetSocketAddress addr) {
    return NetNs.call(client, () -> {
      try (var s = new java.net.Socket()) {
        s.connect(addr, 2000);
        s.setSoTimeout(2000);
        s.getOutputStream().write('x');
        return s.getInputStream().read() == 'x';
      } catch (IOException e) {
        return false;
      }
    });
  }

  /** The established connection that steady round trips use (opened on first use). */
  SocketChannel steady(InetSocketAddress addr) throws IOException {
    if (steady == null) {
      steady = clientSockets(1).getFirst();
      steady.setOption(StandardSocketOptions.TCP_NODELAY, true);
      steady.connect(addr);
    }
    return steady;
  }

  void sh(Path where, String... cmd) {
    List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + where));
    argv.addAll(List.of(cmd));
    run(argv, null);
  }

  private void batch(Path where, String script) {
    run(List.of("ip", "-n", where.getFileName().toString(), "-batch", "-"), script);
  }

  static String run(List<String> argv, String stdin) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", argv) + " failed: " + out.strip());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    try {
      if (steady != null) steady.close();
    } catch (IOException e) {
      // closing anyway
    }
    closing = true;
    if (loop != null) {
      selector.wakeup();
      try {
        loop.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else if (selector != null) {
      try {
        selector.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    for (ServerSocketChannel s : servers) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    if (client != null) ns.delete(client);
    for (Path p : pods) ns.delete(p);
    ns.delete(node);
  }
}
