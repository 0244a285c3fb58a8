package dev.weft.bench.services;

import dev.weft.kernel.NetNs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The throw-away network namespaces of one run: {@code wftbenchs<pid>-<tag>}, all remembered so
 * {@link #deleteAll} (at the end, on failure, from the shutdown hook on Ctrl-C) removes every one.
 * Refuses to hand out a path that is the root namespace (or the one this JVM runs in).
 */
final class Namespaces {
  static final String PREFIX = "wftbenchs";
  private final String prefix = PREFIX + ProcessHandle.current().pid() + "-";
  private final Set<String> created = new LinkedHashSet<>();

  synchronized Path create(String tag) {
    String name = prefix + tag;
    Path p = NetNs.create(name);
    created.add(name);
    checkNotRoot(p);
    return p;
  }

  synchronized void delete(Path p) {
    String name = p.getFileName().toString();
    if (created.remove(name)) quietDelete(name);
  }

  synchronized int deleteAll() {
    int n = 0;
    for (String name : new ArrayList<>(created)) {
      quietDelete(name);
      n++;
    }
    created.clear();
    return n;
  }

  /** Removes namespaces left by earlier runs of this bench whose process is gone (a kill -9). */
  static List<String> deleteStale() {
    List<String> gone = new ArrayList<>();
    if (!Files.isDirectory(NetNs.RUN_DIR)) return gone;
    try (Stream<Path> s = Files.list(NetNs.RUN_DIR)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!n.startsWith(PREFIX)) continue;
        int dash = n.indexOf('-');
        if (dash < 0) continue;
        long pid;
        try {
          pid = Long.parseLong(n.substring(PREFIX.length(), dash));
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
        quietDelete(n);
        gone.add(n);
      }
    } catch (IOException e) {
      // nothing stale we can see
    }
    return gone;
  }

  /** Throws unless {@code p} is a named namespace other than the root one and ours. */
  static void checkNotRoot(Path p) {
    try {
      Object ino = Files.getAttribute(p, "unix:ino");
      Object self = Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino");
      Object root;
      try {
        root = Files.getAttribute(Path.of("/proc/1/ns/net"), "unix:ino");
      } catch (IOException e) {
        root = self; // pid 1 not ours to look at (a container): ours is the root one here
      }
      if (ino.equals(root) || ino.equals(self)) throw new IllegalStateException(p + " is the root (or this process's) namespace: refusing");
      if (!p.getFileName().toString().startsWith(PREFIX)) throw new IllegalStateException(p + " is not a bench namespace");
    } catch (IOException e) {
      throw new IllegalStateException("cannot check " + p, e);
    }
  }

  private static void quietDelete(String name) {
    try {
      NetNs.delete(name);
    } catch (RuntimeException e) {
      // already gone
    }
  }
}
