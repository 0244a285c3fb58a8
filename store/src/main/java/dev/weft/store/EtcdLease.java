package dev.weft.store;

import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/** An etcd lease renewed with one KeepAlive request every ttl/3 on the store's renewal thread. */
final class EtcdLease extends RenewedLease {
    private final io.etcd.jetcd.Lease leases;
    private final EtcdCalls calls;
    private final long id;

    EtcdLease(io.etcd.jetcd.Lease leases, EtcdCalls calls, ScheduledExecutorService scheduler, long id, Duration ttl) {
        super(scheduler, ttl);
        this.leases = leases;
        this.calls = calls;
        this.id = id;
    }

    @Override public long id() { return id; }

    @Override
    void renew() {
        LeaseKeepAliveResponse response = calls.await(leases.keepAliveOnce(id), "renew lease " + hex());
        if (response.getTTL() <= 0) throw new LeaseExpiredException("lease " + hex() + " expired");
    }

    @Override
    String name() { return "lease " + hex(); }

    @Override
    public void revoke() {
        close();
        try {
            calls.await(leases.revoke(id), "revoke lease " + hex());
        } catch (NotFoundException e) {
            // already gone: nothing to revoke
        }
    }

    private String hex() { return Long.toHexString(id); }

    @Override public String toString() { return "etcd lease " + hex() + " (ttl " + ttl().toSeconds() + " s)"; }
}
