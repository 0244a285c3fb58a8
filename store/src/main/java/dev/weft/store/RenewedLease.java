package dev.weft.store;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What every store's lease shares: one renewal every ttl/3 on the store's renewal thread, a
 * renewal that finds the lease gone reported as expired (and renewing stops), any other failure
 * reported and retried at the next period. Subclasses say how to renew once.
 */
abstract class RenewedLease implements Lease {
    private static final System.Logger LOG = System.getLogger(RenewedLease.class.getName());

    private final ScheduledExecutorService scheduler;
    private final Duration ttl;
    private ScheduledFuture<?> renewal;

    RenewedLease(ScheduledExecutorService scheduler, Duration ttl) {
        this.scheduler = scheduler;
        this.ttl = ttl;
    }

    /** Renews once; throws {@link NotFoundException} (e.g. {@link LeaseExpiredException}) when the lease is gone. */
    abstract void renew();

    /** How messages name this lease, e.g. "lease 6a6ca2…". */
    abstract String name();

    @Override public Duration ttl() { return ttl; }

    @Override
    public synchronized void keepAlive(LeaseObserver observer) {
        if (renewal != null) return;
        long period = Math.max(200, ttl.toMillis() / 3);
        renewal = scheduler.scheduleWithFixedDelay(() -> renewOnce(observer), period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void keepAlive() {
        keepAlive(new LeaseObserver() {
            @Override public void renewalFailed(StoreException cause) { LOG.log(Level.WARNING, cause.getMessage()); }
            @Override public void expired(LeaseExpiredException cause) { LOG.log(Level.ERROR, cause.getMessage()); }
        });
    }

    private void renewOnce(LeaseObserver observer) {
        try {
            renew();
        } catch (NotFoundException e) {
            close();
            observer.expired(new LeaseExpiredException(name() + " expired or was revoked"));
        } catch (StoreException e) {
            observer.renewalFailed(e);
        } catch (RuntimeException e) {
            observer.renewalFailed(new StoreException("renew " + name() + ": " + e, e));
        }
    }

    /** Stops renewing; the lease runs out by itself unless revoked. */
    @Override
    public synchronized void close() {
        if (renewal != null) renewal.cancel(false);
        renewal = null;
    }
}
