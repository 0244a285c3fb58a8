package dev.weft.store;

import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** An etcd lease renewed with one KeepAlive request every ttl/3 on the store's renewal thread. */
final class EtcdLease implements Lease {
    private static final System.Logger LOG = System.getLogger(EtcdLease.class.getName());

    private final io.etcd.jetcd.Lease leases;
    private final EtcdCalls calls;
    private final ScheduledExecutorService scheduler;
    private final long id;
    private final Duration ttl;
    private ScheduledFuture<?> renewal;

    EtcdLease(io.etcd.jetcd.Lease leases, EtcdCalls calls, ScheduledExecutorService scheduler, long id, Duration ttl) {
        this.leases = leases;
        this.calls = calls;
        this.scheduler = scheduler;
        this.id = id;
        this.ttl = ttl;
    }

    @Override public long id() { return id; }

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
            LeaseKeepAliveResponse response = calls.await(leases.keepAliveOnce(id), "renew lease " + hex());
            if (response.getTTL() <= 0) throw new LeaseExpiredException("lease " + hex() + " expired");
        } catch (LeaseExpiredException e) {
            close();
            observer.expired(new LeaseExpiredException("lease " + hex() + " expired or was revoked"));
        } catch (StoreException e) {
            observer.renewalFailed(e);
        } catch (RuntimeException e) {
            observer.renewalFailed(new StoreException("renew lease " + hex() + ": " + e, e));
        }
    }

    @Override
    public void revoke() {
        close();
        try {
            calls.await(leases.revoke(id), "revoke lease " + hex());
        } catch (NotFoundException e) {
            // already gone: nothing to revoke
        }
    }

    @Override
    public synchronized void close() {
        if (renewal != null) renewal.cancel(false);
        renewal = null;
    }

    private String hex() { return Long.toHexString(id); }

    @Override public String toString() { return "etcd lease " + hex() + " (ttl " + ttl.toSeconds() + " s)"; }
}
