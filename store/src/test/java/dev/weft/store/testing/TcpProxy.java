package dev.weft.store.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP forwarder to cut a client off from a server and let it back, while the server stays up: {@link #cut()}
 * closes every connection and stops listening; {@link #reconnect()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {
    private final int targetPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private int port;
    private ServerSocket server;

    public TcpProxy(int targetPort) {
        this.targetPort = targetPort;
        listen(0);
    }

    public static TcpProxy to(String endpoint) { return new TcpProxy(java.net.URI.create(endpoint).getPort()); }

    public String endpoint() { return "http://127.0.0.1:" + port; }

    public synchronized void cut() {
        closeQuietly(server);
        for (Socket s : sockets) closeQuietly(s);
        sockets.clear();
    }

    public synchronized void reconnect() {
        cut();
        listen(port);
    }

    @Override public void close() { cut(); }

    private void listen(int onPort) {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        port = server.getLocalPort();
        ServerSocket listening = server;
        Thread.ofVirtual().start(() -> accept(listening));
    }

    private void accept(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(client);
                sockets.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) out.write(buffer, 0, n);
        } catch (IOException e) {
            // cut or closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) c.close();
        } catch (Exception e) {
            // ignore
        }
    }
}
