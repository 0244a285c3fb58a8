package dev.weft.store.testing;

import dev.weft.store.LocalEtcd;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd on loopback for a test class: {@code @RegisterExtension static final EtcdServer ETCD = new EtcdServer();}
 * starts it (free ports, temporary data dir) before the class's tests and stops it (removing the data dir) after.
 * See {@link LocalEtcd} for restart (same data dir and ports), kill/relaunch and pause/resume.
 */
public final class EtcdServer implements BeforeAllCallback, AfterAllCallback {
    private final LocalEtcd etcd = new LocalEtcd();

    @Override public void beforeAll(ExtensionContext context) { start(); }

    @Override public void afterAll(ExtensionContext context) { stop(); }

    public void start() { etcd.start(); }

    public void stop() { etcd.stop(); }

    /** SIGTERM and start again: same data dir, same ports. */
    public void restart() { etcd.restart(); }

    /** SIGKILL and start again: same data dir, same ports. */
    public void crashAndRestart() { etcd.restart(true); }

    public void kill() { etcd.kill(); }

    public void relaunch() { etcd.relaunch(); }

    public void pause() { etcd.pause(); }

    public void resume() { etcd.resume(); }

    public String endpoint() { return etcd.endpoint(); }

    public List<String> endpoints() { return etcd.endpoints(); }

    public Path dataDir() { return etcd.dataDir(); }

    public LocalEtcd process() { return etcd; }
}
