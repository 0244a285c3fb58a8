package dev.weft.lab;

import dev.weft.kernel.NetNs;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every lab pod (and the external client) answers, so that load balancing and NAT show at a glance:
 * HTTP on port 80 ({@code pod=web-1 node=node-2 client=10.244.1.5:43210}), and echo on TCP and UDP port 7
 * (first {@code pod=web-1 client=...}, then the bytes sent; over UDP each datagram comes back with that line in
 * front). One process serves every pod: the listening sockets are created on a thread inside the pod's
 * namespace (a socket stays in the namespace it was created in); connections are served on virtual threads,
 * which are never started from inside a namespace body (a carrier thread born there would inherit it).
 */
final class Responder implements AutoCloseable {
  static final int HTTP_PORT = 80, ECHO_PORT = 7;
  private static final int MAX_HEADER = 16 * 1024;

  private final String httpIdentity;
  private final String echoIdentity;
  private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private ServerSocketChannel http, echo;
  private DatagramChannel udp;

  /** {@code identity} e.g. "pod=web-1 node=node-2"; {@code shortIdentity} e.g. "pod=web-1". */
  Responder(String identity, String shortIdentity) {
    this.httpIdentity = identity;
    this.echoIdentity = shortIdentity;
  }

  /** Binds the three sockets inside {@code netns} (0.0.0.0) and starts serving. */
  void start(Path netns) {
    NetNs.run(netns, () -> {
      http = listen(HTTP_PORT);
      echo = listen(ECHO_PORT);
      udp = DatagramChannel.open(StandardProtocolFamily.INET);
      udp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      udp.bind(new InetSocketAddress("0.0.0.0", ECHO_PORT));
    });
    open.add(http);
    open.add(echo);
    open.add(udp);
    Thread.ofVirtual().name("http " + echoIdentity).start(() -> acceptLoop(http, true));
    Thread.ofVirtual().name("echo " + echoIdentity).start(() -> acceptLoop(echo, false));
    Thread.ofVirtual().name("udp " + echoIdentity).start(this::udpLoop);
  }

  private static ServerSocketChannel listen(int port) throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET);
    s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    s.bind(new InetSocketAddress("0.0.0.0", port), 1024);
    return s;
  }

  private void acceptLoop(ServerSocketChannel server, boolean isHttp) {
    while (!closed) {
      SocketChannel c;
      try {
        c = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed) return;
        Procs.sleep(10);
        continue;
      }
      open.add(c);
      Thread.ofVirtual().start(() -> {
        try (c) {
          Socket s = c.socket();
          s.setTcpNoDelay(true);
          s.setSoTimeout(60_000);
          String client = addr(c.getRemoteAddress());
          if (isHttp) serveHttp(s.getInputStream(), s.getOutputStream(), client);
          else serveEcho(s.getInputStream(), s.getOutputStream(), client);
        } catch (IOException | RuntimeException ignored) {
          // the client went away
        } finally {
          open.remove(c);
        }
      });
    }
  }

  private void serveEcho(InputStream in, OutputStream out, String client) throws IOException {
    out.write((echoIdentity + " client=" + client + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    byte[] buf = new byte[16 * 1024];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
      out.flush();
    }
  }

  /** HTTP/1.x, keep-alive, any method and path; the body names the pod and the client it sees. */
  private void serveHttp(InputStream rawIn, OutputStream out, String client) throws IOException {
    InputStream in = new BufferedInputStream(rawIn);
    while (true) {
      String requestLine = readLine(in);
      if (requestLine == null) return;
      if (requestLine.isEmpty()) continue;
      long contentLength = 0;
      boolean chunked = false;
      String connection = "";
      int total = requestLine.length();
      for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
        total += h.length();
        if (total > MAX_HEADER) return;
        int colon = h.indexOf(':');
        if (colon <= 0) continue;
        String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT), value = h.substring(colon + 1).trim();
        if (name.equals("content-length")) contentLength = Long.parseLong(value);
        else if (name.equals("connection")) connection = value.toLowerCase(Locale.ROOT);
        else if (name.equals("transfer-encoding")) chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
      if (chunked) { // not worth decoding: answer and close
        connection = "close";
      } else {
        in.skipNBytes(contentLength);
      }
      String[] parts = requestLine.split(" ");
      boolean http10 = parts.length > 2 && parts[2].equals("HTTP/1.0");
      boolean keepAlive = http10 ? connection.contains("keep-alive") : !connection.contains("close");
      boolean head = parts[0].equals("HEAD");
      byte[] body = (httpIdentity + " client=" + client + "\n").getBytes(StandardCharsets.UTF_8);
      String headers = (http10 ? "HTTP/1.0" : "HTTP/1.1") + " 200 OK\r\n"
          + "Content-Type: text/plain; charset=utf-8\r\n"
          + "Content-Length: " + body.length + "\r\n"
          + (keepAlive ? (http10 ? "Connection: keep-alive\r\n" : "") : "Connection: close\r\n")
          + "\r\n";
      out.write(headers.getBytes(StandardCharsets.US_ASCII));
      if (!head) out.write(body);
      out.flush();
      if (!keepAlive) return;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(128);
    for (int c; ; ) {
      c = in.read();
      if (c < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
      if (c == '\n') break;
      if (b.size() > MAX_HEADER) throw new IOException("header line too long");
      b.write(c);
    }
    String s = b.toString(StandardCharsets.ISO_8859_1);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private void udpLoop() {
    ByteBuffer in = ByteBuffer.allocate(65536);
    while (!closed) {
      try {
        in.clear();
        SocketAddress from = udp.receive(in);
        in.flip();
        byte[] head = (echoIdentity + " client=" + addr(from) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer reply = ByteBuffer.allocate(Math.min(65507, head.length + in.remaining()));
        reply.put(head);
        while (reply.hasRemaining() && in.hasRemaining()) reply.put(in.get());
        reply.flip();
        udp.send(reply, from);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        if (closed) return;
      }
    }
  }

  static String addr(SocketAddress a) {
    if (a instanceof InetSocketAddress i) return i.getAddress().getHostAddress() + ":" + i.getPort();
    return String.valueOf(a);
  }

  @Override
  public void close() {
    closed = true;
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ignored) {
        // closing
      }
    }
    open.clear();
  }
}
