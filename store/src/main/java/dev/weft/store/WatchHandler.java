package dev.weft.store;

/**
 * Receives a watch's events, informer style: first every current object as ADDED, then {@link #onSynced()},
 * then each change. After a lost connection or a compacted revision the watch lists again and delivers only the
 * difference from what the handler has seen (ADDED / MODIFIED / DELETED), then {@code onSynced()} again.
 * Calls are serial, never concurrent, for one watch.
 */
@FunctionalInterface
public interface WatchHandler<T> {
    void onEvent(WatchEvent<T> event);

    /** The handler's view equals the store at some revision (after the first list and after each re-list). */
    default void onSynced() {}

    /** The watch lost its stream and is recovering (it keeps retrying until closed). */
    default void onInterrupted(StoreException cause) {}
}
