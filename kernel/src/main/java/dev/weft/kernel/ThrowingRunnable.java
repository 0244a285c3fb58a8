package dev.weft.kernel;

/** A block of code that may throw a checked exception, for {@link NetNs#run}. */
@FunctionalInterface
public interface ThrowingRunnable {
  void run() throws Exception;
}
