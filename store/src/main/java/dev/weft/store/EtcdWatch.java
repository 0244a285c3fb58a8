package dev.weft.store;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch.Watcher;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An informer over one etcd key prefix: list at revision R, deliver, watch from R+1. Keeps what the handler has
 * seen (key → mod revision and object); on any watch failure (lost stream, compacted revision) it lists again,
 * delivers the difference, and watches from the new revision — retrying with backoff until closed.
 */
final class EtcdWatch<T extends HasMetadata> implements Watch {
    private static final System.Logger LOG = System.getLogger(EtcdWatch.class.getName());
    private record Seen<T>(long modRevision, T object) {}

    private final Client client;
    private final EtcdCalls calls;
    private final EtcdReconnect reconnect;
    private final String prefix;
    private final Class<T> kind;
    private final ObjectCodec codec;
    private final WatchHandler<T> handler;
    private final Map<String, Seen<T>> seen = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private Watcher watcher;
    private long generation;
    private volatile boolean recovering;
    private volatile boolean closed;

    EtcdWatch(Client client, EtcdCalls calls, EtcdReconnect reconnect, String prefix, Class<T> kind, ObjectCodec codec, WatchHandler<T> handler) {
        this.client = client;
        this.calls = calls;
        this.reconnect = reconnect;
        this.prefix = prefix;
        this.kind = kind;
        this.codec = codec;
        this.handler = handler;
    }

    /** The first list (its failure is the caller's), then the watch. */
    void start() {
        lock.lock();
        try {
            listAndWatch();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            stopWatcher();
        } finally {
            lock.unlock();
        }
    }

    /** Lists, delivers the difference from what was seen, and watches from the list's revision + 1. Under lock. */
    private void listAndWatch() {
        GetResponse response = calls.await(client.getKVClient().get(EtcdClusterStore.bytes(prefix),
                GetOption.builder().isPrefix(true).build()), "list " + prefix);
        Map<String, KeyValue> current = new HashMap<>();
        for (KeyValue kv : response.getKvs()) current.put(kv.getKey().toString(StandardCharsets.UTF_8), kv);
        for (var it = seen.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!current.containsKey(entry.getKey())) {
                it.remove();
                handler.onEvent(new WatchEvent<>(WatchEvent.Type.DELETED, entry.getValue().object()));
            }
        }
        for (KeyValue kv : response.getKvs()) applyPut(kv);
        handler.onSynced();
        startWatcher(response.getHeader().getRevision() + 1);
    }

    private void startWatcher(long fromRevision) {
        stopWatcher();
        long gen = ++generation;
        WatchOption options = WatchOption.builder().isPrefix(true).withRevision(fromRevision).withPrevKV(true).build();
        watcher = client.getWatchClient().watch(EtcdClusterStore.bytes(prefix), options, new io.etcd.jetcd.Watch.Listener() {
            @Override public void onNext(WatchResponse response) { deliver(gen, response); }
            @Override public void onError(Throwable error) { recover(gen, error); }
            @Override public void onCompleted() { recover(gen, new IllegalStateException("watch stream completed")); }
        });
    }

    private void stopWatcher() {
        if (watcher != null) {
            Watcher old = watcher;
            watcher = null;
            generation++;
            try {
                old.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "closing watcher on " + prefix, e);
            }
        }
    }

    private void deliver(long gen, WatchResponse response) {
        lock.lock();
        try {
            if (closed || gen != generation) return;
            for (var event : response.getEvents()) {
                switch (event.getEventType()) {
                    case PUT -> applyPut(event.getKeyValue());
                    case DELETE -> applyDelete(event.getKeyValue());
                    default -> { }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void applyPut(KeyValue kv) {
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        Seen<T> before = seen.get(key);
        if (before != null && before.modRevision() >= kv.getModRevision()) return;
        T object = codec.decode(kv.getValue().getBytes(), kind, kv.getModRevision());
        seen.put(key, new Seen<>(kv.getModRevision(), object));
        handler.onEvent(new WatchEvent<>(before == null ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED, object));
    }

    private void applyDelete(KeyValue kv) {
        Seen<T> before = seen.remove(kv.getKey().toString(StandardCharsets.UTF_8));
        if (before != null) handler.onEvent(new WatchEvent<>(WatchEvent.Type.DELETED, before.object()));
    }

    /** The watch stream failed: re-list and re-watch in the background until it works or the watch is closed. */
    private void recover(long gen, Throwable error) {
        lock.lock();
        try {
            if (closed || gen != generation || recovering) return;
            recovering = true;
            stopWatcher();
            handler.onInterrupted(calls.translate(error, "watch " + prefix));
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("etcd-relist " + prefix).start(this::relistUntilDone);
        Thread.ofVirtual().name("etcd-reconnect " + prefix).start(this::reconnectWhileRecovering);
    }

    /** While the re-list waits for a connection, keeps gRPC from backing off for seconds once etcd is back. */
    private void reconnectWhileRecovering() {
        while (!closed && recovering) {
            reconnect.now();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void relistUntilDone() {
        long backoff = 200;
        while (!closed) {
            lock.lock();
            try {
                if (closed) return;
                listAndWatch();
                recovering = false;
                return;
            } catch (StoreException e) {
                LOG.log(Level.DEBUG, "re-list of " + prefix + " failed, retrying: " + e.getMessage());
            } finally {
                lock.unlock();
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            // capped low: a list of one prefix is cheap, and every second spent backing off is a
            // second in which joins and leaves go unnoticed once etcd is back
            backoff = Math.min(backoff * 2, 1_000);
        }
    }
}
