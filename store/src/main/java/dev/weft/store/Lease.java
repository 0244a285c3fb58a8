package dev.weft.store;

import java.time.Duration;

/**
 * A liveness lease: objects written with it disappear (watchers see DELETED) when it expires or is revoked.
 * {@link #close()} stops renewing without revoking, so the objects live until the TTL runs out — what a crashed
 * process leaves behind.
 */
public interface Lease extends AutoCloseable {
    long id();

    Duration ttl();

    /** Renews in the background (about every ttl/3) until revoke/close; reports failures to the observer. */
    void keepAlive(LeaseObserver observer);

    /** {@link #keepAlive(LeaseObserver)} with failures logged. */
    void keepAlive();

    /** Ends the lease now: attached objects are deleted. A lease already gone is not an error. */
    void revoke();

    /** Stops renewing; the lease runs out on its own. */
    @Override
    void close();
}
