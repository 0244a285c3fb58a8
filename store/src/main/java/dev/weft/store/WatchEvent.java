package dev.weft.store;

import java.util.Objects;

/** One change seen by a watch. For DELETED, {@code object} is the last state the watch knew. */
public record WatchEvent<T>(Type type, T object) {
    public enum Type { ADDED, MODIFIED, DELETED }

    public WatchEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(object, "object");
    }
}
