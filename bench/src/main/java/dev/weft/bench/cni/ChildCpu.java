package dev.weft.bench.cni;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * CPU time (user + system) of this process's reaped children, from getrusage(RUSAGE_CHILDREN). It
 * covers every descendant that was waited for: a plugin's own CPU plus whatever it spawned and
 * reaped (the launcher's readlink and date, iptables...). The difference around one invocation is
 * that invocation's CPU, a number the load on a small shared machine distorts far less than wall
 * time. Unavailable (-1) when the native call cannot be made.
 */
final class ChildCpu {
  private static final int RUSAGE_CHILDREN = -1;
  private static final MethodHandle GETRUSAGE;
  private static final MemorySegment BUF;

  static {
    MethodHandle h = null;
    MemorySegment buf = null;
    try {
      Linker linker = Linker.nativeLinker();
      h = linker.downcallHandle(linker.defaultLookup().find("getrusage").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
      buf = Arena.global().allocate(256, 8); // struct rusage is 144 bytes on x86-64 and arm64
    } catch (RuntimeException | Error e) {
      h = null;
    }
    GETRUSAGE = h;
    BUF = buf;
  }

  private ChildCpu() {}

  /** Total user + system CPU of reaped children so far, in ns; -1 when unknown. */
  static synchronized long nanos() {
    if (GETRUSAGE == null) return -1;
    try {
      int rc = (int) GETRUSAGE.invokeExact(RUSAGE_CHILDREN, BUF);
      if (rc != 0) return -1;
      // struct timeval ru_utime, ru_stime: {long tv_sec; long tv_usec} each
      long us = BUF.get(ValueLayout.JAVA_LONG, 0) * 1_000_000 + BUF.get(ValueLayout.JAVA_LONG, 8)
          + BUF.get(ValueLayout.JAVA_LONG, 16) * 1_000_000 + BUF.get(ValueLayout.JAVA_LONG, 24);
      return us * 1000;
    } catch (Throwable t) {
      return -1;
    }
  }
}
