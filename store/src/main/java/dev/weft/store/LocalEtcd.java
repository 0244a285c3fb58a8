package dev.weft.store;

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

/**
 * An etcd process ({@code /usr/bin/etcd}, Debian etcd-server) on loopback with free ports and its own data dir: for the
 * lab and for tests. {@link #restart()} keeps data dir and ports; {@link #pause()} / {@link #resume()} freeze it
 * (SIGSTOP/SIGCONT) to look like a hung or partitioned server. Output goes to {@code <baseDir>/etcd.log}.
 */
public final class LocalEtcd implements AutoCloseable {
    private static final String BINARY = System.getProperty("weft.etcd", "/usr/bin/etcd");

    private Path baseDir;
    private int clientPort;
    private int peerPort;
    private Process process;

    /** Starts a fresh etcd in a temporary directory and waits until /health says true. */
    public synchronized void start() {
        try {
            start(Files.createTempDirectory("weft-etcd-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a fresh etcd keeping its data and log under {@code dir} (removed by {@link #stop()}). */
    public synchronized void start(Path dir) {
        if (process != null) return;
        baseDir = dir;
        clientPort = freePort();
        peerPort = freePort();
        launch();
    }

    /** "http://127.0.0.1:port" */
    public String endpoint() { return "http://127.0.0.1:" + clientPort; }

    public List<String> endpoints() { return List.of(endpoint()); }

    public Path dataDir() { return baseDir.resolve("data"); }

    @Override public void close() { stop(); }

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

    /** SIGKILLs the process, keeping the data dir; {@link #relaunch()} starts it again. */
    public synchronized void kill() { terminate(true); }

    /** Starts again after {@link #kill()}, same data dir and ports. */
    public synchronized void relaunch() { if (process == null) launch(); }

    public void pause() { signal("STOP"); }

    public void resume() { signal("CONT"); }

    public boolean running() { return process != null && process.isAlive(); }

    public long pid() { return process == null ? -1 : process.pid(); }

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
