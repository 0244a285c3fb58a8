package dev.weft.store.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd ({@code /usr/bin/etcd}) on loopback with free ports and a temporary data dir. As a JUnit extension
 * ({@code @RegisterExtension static final EtcdServer ETCD = new EtcdServer();}) it starts before the class's tests and
 * stops (removing its data dir) after them. {@link #restart()} keeps data dir and ports; {@link #pause()} /
 * {@link #resume()} freeze it (SIGSTOP/SIGCONT) to look like a hung or partitioned server. Output goes to
 * {@code <dataDir>/../etcd.log}.
 */
public final class EtcdServer implements BeforeAllCallback, AfterAllCallback {
    private static final String BINARY = System.getProperty("weft.etcd", "/usr/bin/etcd");

    private Path baseDir;
    private int clientPort;
    private int peerPort;
    private Process process;

    @Override public void beforeAll(ExtensionContext context) { start(); }

    @Override public void afterAll(ExtensionContext context) { stop(); }

    /** Starts a fresh etcd and waits until /health says true. */
    public synchronized void start() {
        if (process != null) return;
        try {
            baseDir = Files.createTempDirectory("weft-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        clientPort = freePort();
        peerPort = freePort();
        launch();
    }

    /** "http://127.0.0.1:port" */
    public String endpoint() { return "http://127.0.0.1:" + clientPort; }

    public List<String> endpoints() { return List.of(endpoint()); }

    public Path dataDir() { return baseDir.resolve("data"); }

    /** Stops (SIGTERM, then SIGKILL after 10 s) and removes the data dir. */
    public synchronized void stop() {
        terminate(false);
        if (baseDir != null) deleteTree(baseDir);
        baseDir = null;
    }

    /** Stops and starts again with the same data dir and ports; {@code kill} uses SIGKILL (a crash). */
    public synchronized void restart(boolean kill) {
        terminate(kill);
        launch();
    }

    public void restart() { restart(false); }

    /** Stops the process, keeping the data dir (start it again with {@link #restart()} semantics via {@link #relaunch()}). */
    public synchronized void kill() { terminate(true); }

    /** Starts again after {@link #kill()}, same data dir and ports. */
    public synchronized void relaunch() { if (process == null) launch(); }

    public void pause() { signal("STOP"); }

    public void resume() { signal("CONT"); }

    public boolean running() { return process != null && process.isAlive(); }

    private void launch() {
        String client = endpoint();
        String peer = "http://127.0.0.1:" + peerPort;
        try {
            process = new ProcessBuilder(BINARY, "--name", "default", "--data-dir", dataDir().toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "default=" + peer, "--initial-cluster-state", "new",
                    "--logger", "zap", "--log-level", "warn", "--snapshot-count", "10000")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(baseDir.resolve("etcd.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + BINARY + " (Debian package etcd-server): " + e.getMessage(), e);
        }
        awaitHealthy(Duration.ofSeconds(15));
    }

    private void awaitHealthy(Duration limit) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(endpoint() + "/health")).timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("etcd exited with " + process.exitValue() + "; see " + baseDir.resolve("etcd.log"));
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"true\"")) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for etcd", e);
            }
            sleep(50);
        }
        throw new IllegalStateException("etcd at " + endpoint() + " not healthy after " + limit.toSeconds() + " s; see " + baseDir.resolve("etcd.log"));
    }

    private void terminate(boolean kill) {
        if (process == null) return;
        if (kill) process.destroyForcibly();
        else process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private void signal(String name) {
        if (process == null) throw new IllegalStateException("etcd is not running");
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
