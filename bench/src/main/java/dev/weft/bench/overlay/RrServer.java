package dev.weft.bench.overlay;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The far end of the TCP request/response latency test (netperf TCP_RR's shape): accepts connections and sends
 * every message of {@code size} bytes straight back. Started by the bench inside a lab namespace
 * ({@code ip netns exec NS java ... RrServer PORT SIZE}), stopped by its pid. JDK classes only.
 */
public final class RrServer {
  private RrServer() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(args[0]);
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    try (ServerSocket ss = new ServerSocket()) {
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(port), 16);
      System.out.println("rr-server listening on " + port + " size " + size);
      System.out.flush();
      while (true) {
        Socket s = ss.accept();
        Thread.ofPlatform().daemon(true).start(() -> echo(s, size));
      }
    }
  }

  private static void echo(Socket s, int size) {
    try (s) {
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[size];
      while (true) {
        in.readFully(buf);
        out.write(buf);
      }
    } catch (IOException e) {
      // the client closed: done
    }
  }
}
