package dev.weft.store;

import io.etcd.jetcd.Client;
import io.grpc.ManagedChannel;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Cuts gRPC's reconnect backoff short. After an outage of several seconds the channel waits up to minutes
 * (1 s × 1.6ⁿ) before it dials etcd again, so a watch would resume seconds after etcd is back. While a watch is
 * recovering, {@link #now()} is called every few hundred ms and makes a failed channel dial at once.
 *
 * <p>jetcd 0.8 keeps its channel private; it is reached by reflection (ClientImpl.connectionManager.getChannel()).
 * If that ever fails the store still works, only with gRPC's own backoff.
 */
final class EtcdReconnect {
    private static final System.Logger LOG = System.getLogger(EtcdReconnect.class.getName());
    private final Client client;
    private volatile ManagedChannel channel;
    private volatile boolean unavailable;

    EtcdReconnect(Client client) { this.client = client; }

    /** Asks the channel to dial now if it is waiting out a backoff; no effect on a connected channel. */
    void now() {
        ManagedChannel ch = channel();
        if (ch != null) ch.resetConnectBackoff();
    }

    private ManagedChannel channel() {
        if (channel != null || unavailable) return channel;
        try {
            Field manager = client.getClass().getDeclaredField("connectionManager");
            manager.setAccessible(true);
            Object connections = manager.get(client);
            Method getChannel = connections.getClass().getDeclaredMethod("getChannel");
            getChannel.setAccessible(true);
            channel = (ManagedChannel) getChannel.invoke(connections);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unavailable = true;
            LOG.log(Level.WARNING, "cannot reach jetcd's gRPC channel; reconnects after an etcd outage follow gRPC's backoff: " + e);
        }
        return channel;
    }
}
