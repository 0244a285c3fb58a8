package dev.weft.store;

import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.lease.NoSuchLeaseException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for jetcd futures with a deadline and turns their failures into {@link StoreException}s. */
final class EtcdCalls {
    private final Duration timeout;
    private final String endpoints;

    EtcdCalls(Duration timeout, String endpoints) {
        this.timeout = timeout;
        this.endpoints = endpoints;
    }

    <R> R await(CompletableFuture<R> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StoreUnavailableException(
                    "etcd at " + endpoints + " did not answer within " + timeout.toMillis() + " ms (" + what + ")", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(e.getCause(), what);
        }
    }

    StoreException translate(Throwable cause, String what) {
        if (cause instanceof StoreException se) return se;
        if (cause instanceof NoSuchLeaseException) return new LeaseExpiredException(what + ": lease not found");
        if (cause instanceof EtcdException ee) {
            String message = what + ": " + firstLine(ee.getMessage());
            return switch (ee.getErrorCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED ->
                        new StoreUnavailableException("etcd at " + endpoints + " unavailable (" + message + ")", ee);
                case NOT_FOUND -> ee.getMessage() != null && ee.getMessage().contains("lease")
                        ? new LeaseExpiredException(message) : new NotFoundException(message);
                default -> new StoreException("etcd at " + endpoints + ": " + message, ee);
            };
        }
        io.grpc.Status status = io.grpc.Status.fromThrowable(cause);
        String message = what + ": " + (status.getDescription() != null ? status.getDescription() : cause.toString());
        return switch (status.getCode()) {
            case NOT_FOUND -> message.contains("lease") ? new LeaseExpiredException(message) : new NotFoundException(message);
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, UNKNOWN ->
                    new StoreUnavailableException("etcd at " + endpoints + " unavailable (" + message + ")", cause);
            default -> new StoreException("etcd at " + endpoints + ": " + message, cause);
        };
    }

    Duration timeout() { return timeout; }

    String endpoints() { return endpoints; }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
