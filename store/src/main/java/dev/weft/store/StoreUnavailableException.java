package dev.weft.store;

/** The datastore did not answer in time or refused the connection (HTTP 503). Retrying later may work. */
public class StoreUnavailableException extends StoreException {
    public StoreUnavailableException(String message, Throwable cause) { super(message, cause); }
}
