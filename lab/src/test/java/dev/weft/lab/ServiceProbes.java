package dev.weft.lab;

import dev.weft.kernel.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test support for {@link ServiceScenariosTest}: traffic to Services made from inside a lab namespace (a pod, a node,
 * {@code ext}) with plain sockets, so that every outcome is told apart — an answer (which pod, which client address it
 * saw), a refusal (TCP reset / ICMP unreachable), a timeout — and timed. Sockets are created on a platform thread that
 * has entered the namespace ({@link NetNs#call}); one call makes a whole batch of requests, so a batch pays one thread.
 */
final class ServiceProbes {
  private ServiceProbes() {}

  /** How one request ended. */
  enum Outcome { ANSWERED, REFUSED, TIMEOUT, ERROR }

  private static final Pattern ANSWER = Pattern.compile("pod=(\\S+)(?: node=(\\S+))? client=([0-9.]+):(\\d+)");

  /**
   * One request's result: the outcome, for an answer the pod and the client address it saw (the responder's
   * {@code pod=web-1 node=node-1 client=10.244.1.5:43210}), the time it took and, for a failure, the exception.
   */
  record Reply(Outcome outcome, String pod, String clientIp, String body, long millis, long atMillis, String error) {
    boolean answered() {
      return outcome == Outcome.ANSWERED;
    }

    @Override
    public String toString() {
      return outcome == Outcome.ANSWERED ? body.strip() + " (" + millis + " ms)" : outcome + " after " + millis + " ms: " + error;
    }
  }

  static Reply parse(String body, long millis, long at) {
    Matcher m = ANSWER.matcher(body);
    if (!m.find()) return new Reply(Outcome.ERROR, null, null, body, millis, at, "unexpected answer '" + body.strip() + "'");
    return new Reply(Outcome.ANSWERED, m.group(1), m.group(3), body, millis, at, null);
  }

  static Reply failure(Exception e, long millis, long at) {
    Outcome o = e instanceof ConnectException || e instanceof PortUnreachableException ? Outcome.REFUSED
        : e instanceof SocketTimeoutException ? Outcome.TIMEOUT : Outcome.ERROR;
    return new Reply(o, null, null, null, millis, at, e.toString());
  }

  /** {@code n} HTTP/1.0 GETs of {@code /}, one TCP connection each, made one after the other from {@code ns}. */
  static List<Reply> http(String ns, String host, int port, int n, int timeoutMillis) {
    return NetNs.call(NetNs.path(ns), () -> {
      List<Reply> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) out.add(httpHere(host, port, timeoutMillis));
      return out;
    });
  }

  static Reply http(String ns, String host, int port, int timeoutMillis) {
    return http(ns, host, port, 1, timeoutMillis).getFirst();
  }

  /** One HTTP/1.0 GET from the calling thread's namespace (the body, or how it failed). */
  static Reply httpHere(String host, int port, int timeoutMillis) {
    long at = LabProbes.nowMillis(), t0 = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      OutputStream out = s.getOutputStream();
      out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String resp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      if (!resp.startsWith("HTTP/1.0 200") && !resp.startsWith("HTTP/1.1 200"))
        return new Reply(Outcome.ERROR, null, null, resp, ms, at, "not a 200: '" + resp.lines().findFirst().orElse("") + "'");
      int body = resp.indexOf("\r\n\r\n");
      return parse(body < 0 ? resp : resp.substring(body + 4), ms, at);
    } catch (IOException e) {
      return failure(e, (System.nanoTime() - t0) / 1_000_000, at);
    }
  }

  /** An HTTP GET of {@code path} from {@code ns}: the status line's code and the body; code -1 when it failed. */
  record Http(int code, String body, String error) {}

  static Http get(String ns, String host, int port, String path, int timeoutMillis) {
    return NetNs.call(NetNs.path(ns), () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), timeoutMillis);
        s.setSoTimeout(timeoutMillis);
        s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int body = resp.indexOf("\r\n\r\n");
        int code = resp.length() >= 12 && resp.startsWith("HTTP/") ? Integer.parseInt(resp.substring(9, 12)) : -1;
        return new Http(code, body < 0 ? "" : resp.substring(body + 4), null);
      } catch (IOException | RuntimeException e) {
        return new Http(-1, "", e.toString());
      }
    });
  }

  /**
   * {@code n} UDP datagrams to the echo port, each from a new socket (a new conntrack entry), one after the other; a
   * connected socket, so an ICMP unreachable shows as {@link Outcome#REFUSED}.
   */
  static List<Reply> udp(String ns, String host, int port, int n, int timeoutMillis) {
    return NetNs.call(NetNs.path(ns), () -> {
      List<Reply> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long at = LabProbes.nowMillis(), t0 = System.nanoTime();
        try (DatagramSocket s = new DatagramSocket()) {
          s.connect(new InetSocketAddress(host, port));
          s.setSoTimeout(timeoutMillis);
          byte[] msg = ("probe " + i + "\n").getBytes(StandardCharsets.UTF_8);
          s.send(new DatagramPacket(msg, msg.length));
          DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
          s.receive(p);
          out.add(parse(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1_000_000, at));
        } catch (IOException e) {
          out.add(failure(e, (System.nanoTime() - t0) / 1_000_000, at));
        }
      }
      return out;
    });
  }

  /**
   * A UDP client that keeps one source port (so one conntrack entry) and sends a datagram every
   * {@code periodMillis} to {@code host:port}, recording which pod answers each, with the time the answer arrived.
   */
  static final class UdpStream implements AutoCloseable {
    private final List<Reply> replies = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile String failure;
    private volatile int sent;

    UdpStream(String ns, String host, int port, long periodMillis) {
      Path nsPath = NetNs.path(ns);
      thread = Thread.ofPlatform().daemon().name("udp stream").start(() -> {
        try {
          NetNs.run(nsPath, () -> loop(host, port, periodMillis));
        } catch (RuntimeException e) {
          failure = e.toString();
        }
      });
    }

    private void loop(String host, int port, long periodMillis) throws IOException {
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("0.0.0.0", 0))) {
        s.setSoTimeout((int) periodMillis);
        InetSocketAddress to = new InetSocketAddress(host, port);
        byte[] buf = new byte[2048];
        for (int seq = 0; !stop; seq++) {
          long next = LabProbes.nowMillis() + periodMillis;
          byte[] msg = ("seq " + seq + "\n").getBytes(StandardCharsets.UTF_8);
          s.send(new DatagramPacket(msg, msg.length, to)); // unconnected: an ICMP error does not end the stream
          sent++;
          while (LabProbes.nowMillis() < next) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
              s.setSoTimeout((int) Math.max(1, next - LabProbes.nowMillis()));
              s.receive(p);
            } catch (SocketTimeoutException e) {
              break;
            }
            Reply r = parse(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8), 0, LabProbes.nowMillis());
            synchronized (replies) {
              replies.add(r);
            }
          }
        }
      }
    }

    List<Reply> replies() {
      synchronized (replies) {
        return List.copyOf(replies);
      }
    }

    int sent() {
      return sent;
    }

    String failure() {
      return failure;
    }

    @Override
    public void close() {
      stop = true;
      try {
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A client loop of short HTTP requests (a new TCP connection each, {@code timeoutMillis} to connect and to answer)
   * at a fixed rate from inside {@code ns}, every result kept.
   */
  static final class LoadLoop implements AutoCloseable {
    private final List<Reply> results = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile String failure;

    LoadLoop(String ns, String host, int port, int perSecond, int timeoutMillis) {
      Path nsPath = NetNs.path(ns);
      long period = 1000L / perSecond;
      thread = Thread.ofPlatform().daemon().name("load loop").start(() -> {
        try {
          NetNs.run(nsPath, () -> {
            long next = LabProbes.nowMillis();
            while (!stop) {
              Reply r = httpHere(host, port, timeoutMillis);
              synchronized (results) {
                results.add(r);
              }
              next += period;
              long wait = next - LabProbes.nowMillis();
              if (wait > 0) LabProbes.sleep(wait);
              else next = LabProbes.nowMillis(); // late (a slow answer): do not burst to catch up
            }
          });
        } catch (RuntimeException e) {
          failure = e.toString();
        }
      });
    }

    List<Reply> results() {
      synchronized (results) {
        return List.copyOf(results);
      }
    }

    String failure() {
      return failure;
    }

    @Override
    public void close() {
      stop = true;
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
