package dev.weft.store;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Records a watch's events and keeps the view a level-triggered consumer would build from them. */
final class RecordingHandler<T extends HasMetadata> implements WatchHandler<T> {
    final List<WatchEvent<T>> events = new CopyOnWriteArrayList<>();
    final Map<String, T> view = new TreeMap<>();
    volatile int synced;
    volatile int interrupted;

    @Override
    public synchronized void onEvent(WatchEvent<T> event) {
        events.add(event);
        String name = event.object().getMetadata().getName();
        if (event.type() == WatchEvent.Type.DELETED) view.remove(name);
        else view.put(name, event.object());
    }

    @Override public void onSynced() { synced++; }

    @Override public void onInterrupted(StoreException cause) { interrupted++; }

    synchronized Map<String, T> view() { return new TreeMap<>(view); }

    List<String> summary() {
        List<String> out = new ArrayList<>();
        for (var e : events) out.add(e.type() + " " + e.object().getMetadata().getName());
        return out;
    }

    void await(String what, Duration limit, Predicate<RecordingHandler<T>> condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(this)) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + "; events: " + summary());
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    boolean saw(WatchEvent.Type type, String name) {
        return events.stream().anyMatch(e -> e.type() == type && e.object().getMetadata().getName().equals(name));
    }
}
