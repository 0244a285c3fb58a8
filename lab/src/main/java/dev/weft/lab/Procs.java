package dev.weft.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Processes as {@code /proc} shows them: command line and network namespace. */
final class Procs {
  private Procs() {}

  record Proc(long pid, List<String> args, long netnsInode) {
    String commandLine() {
      return String.join(" ", args);
    }
  }

  static List<Proc> all() {
    List<Proc> out = new ArrayList<>();
    try (var s = Files.list(Path.of("/proc"))) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit)) continue;
        long pid = Long.parseLong(n);
        List<String> args;
        try {
          byte[] b = Files.readAllBytes(p.resolve("cmdline"));
          if (b.length == 0) continue; // kernel thread or zombie
          String c = new String(b, StandardCharsets.UTF_8);
          if (c.endsWith("\0")) c = c.substring(0, c.length() - 1);
          args = Arrays.asList(c.split("\0", -1));
        } catch (IOException e) {
          continue;
        }
        out.add(new Proc(pid, args, netnsInode(p.resolve("ns/net"))));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /** The inode of a namespace: of a {@code /proc/<pid>/ns/net} link ("net:[123]") or a bind-mounted file. */
  static long netnsInode(Path p) {
    try {
      if (Files.isSymbolicLink(p)) {
        String t = Files.readSymbolicLink(p).toString();
        int a = t.indexOf('['), b = t.indexOf(']');
        return a >= 0 && b > a ? Long.parseLong(t.substring(a + 1, b)) : -1;
      }
      return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This process and its ancestors: never killed by the lab's own clean-up. */
  static Set<Long> selfAndAncestors() {
    Set<Long> s = new HashSet<>();
    Optional<ProcessHandle> h = Optional.of(ProcessHandle.current());
    while (h.isPresent()) {
      s.add(h.get().pid());
      h = h.get().parent();
    }
    return s;
  }

  static boolean alive(long pid) {
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** SIGTERM, then SIGKILL for those still alive after {@code graceMillis}. Returns the pids signalled. */
  static List<Long> terminate(List<Long> pids, long graceMillis) {
    List<ProcessHandle> hs = new ArrayList<>();
    for (long pid : pids) ProcessHandle.of(pid).ifPresent(h -> {
      if (h.destroy()) hs.add(h);
    });
    long deadline = System.currentTimeMillis() + graceMillis;
    while (System.currentTimeMillis() < deadline && hs.stream().anyMatch(ProcessHandle::isAlive)) sleep(50);
    for (ProcessHandle h : hs) if (h.isAlive()) h.destroyForcibly();
    deadline = System.currentTimeMillis() + 3000;
    while (System.currentTimeMillis() < deadline && hs.stream().anyMatch(ProcessHandle::isAlive)) sleep(20);
    return hs.stream().map(ProcessHandle::pid).toList();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
