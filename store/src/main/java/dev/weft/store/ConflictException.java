package dev.weft.store;

/** The object changed since the caller read it: its resourceVersion is stale (HTTP 409). */
public class ConflictException extends StoreException {
    public ConflictException(String message) { super(message); }
}
