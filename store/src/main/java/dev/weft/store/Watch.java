package dev.weft.store;

/** A running watch; {@link #close()} stops it (no handler call starts after close returns). */
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
