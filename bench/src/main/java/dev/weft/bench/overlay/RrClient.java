package dev.weft.bench.overlay;

import dev.weft.kernel.NetNs;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * The near end of the TCP request/response test: one connection (TCP_NODELAY), {@code warmup} untimed round
 * trips, then {@code samples} timed ones, each the time from writing a {@code size}-byte request to having read
 * the whole response. The socket is created on a thread inside the client's namespace ({@link NetNs#call}), so
 * the traffic leaves from that namespace; the bench's own namespace is never used.
 */
final class RrClient {
  private RrClient() {}

  /** Round-trip times in nanoseconds. */
  static long[] run(String clientNs, String ip, int port, int size, int warmup, int samples) {
    return NetNs.call(NetNs.path(clientNs), () -> measure(ip, port, size, warmup, samples));
  }

  static long[] measure(String ip, int port, int size, int warmup, int samples) {
    long[] rtt = new long[samples];
    try (Socket s = new Socket()) {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(ip, port), 3000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] req = new byte[size];
      byte[] resp = new byte[size];
      for (int i = 0; i < warmup; i++) {
        out.write(req);
        in.readFully(resp);
      }
      for (int i = 0; i < samples; i++) {
        long t0 = System.nanoTime();
        out.write(req);
        in.readFully(resp);
        rtt[i] = System.nanoTime() - t0;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("TCP request/response to " + ip + ":" + port + ": " + e.getMessage(), e);
    }
    return rtt;
  }
}
