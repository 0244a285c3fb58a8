package dev.weft.store;

/** A store operation failed. Subclasses mirror the Kubernetes API status codes (404, 409, 503). */
public class StoreException extends RuntimeException {
    public StoreException(String message) { super(message); }
    public StoreException(String message, Throwable cause) { super(message, cause); }
}
