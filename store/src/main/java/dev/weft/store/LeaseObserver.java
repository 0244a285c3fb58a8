package dev.weft.store;

/** Hears about a lease's background renewal. */
public interface LeaseObserver {
    /** One renewal attempt failed (store unreachable, timeout); renewal goes on. */
    void renewalFailed(StoreException cause);

    /** The lease is gone (expired or revoked elsewhere): renewal stopped, attached objects are deleted. */
    void expired(LeaseExpiredException cause);
}
