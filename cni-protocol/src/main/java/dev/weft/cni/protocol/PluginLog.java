package dev.weft.cni.protocol;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plugin's diagnostics: every event goes to a log file, one line each with timestamp, pid, command,
 * container id and ifname; warnings and errors also go to stderr. Never stdout (that is the result)
 * and never a reason to fail: an unwritable log is silently skipped.
 *
 * <p>The file is the network config's {@code "logFile"}, else env {@code WEFT_CNI_LOG}, else {@value
 * #DEFAULT_FILE}. Lines logged before the config is known are held and written once it is (or at
 * {@link #flush}).
 */
public final class PluginLog {
  public static final String DEFAULT_FILE = "/var/log/weft/cni.log";

  private final String program;
  private final PrintStream stderr;
  private final boolean enabled;
  private Path file;
  private boolean resolved;
  private final List<String> pending = new ArrayList<>();
  private String command = "-", containerId = "-", ifname = "-";

  private PluginLog(String program, Path envFile, PrintStream stderr, boolean enabled) {
    this.program = program;
    this.file = envFile;
    this.stderr = stderr;
    this.enabled = enabled;
  }

  /** The usual log: file from env WEFT_CNI_LOG or the default (until a config says otherwise). */
  public static PluginLog standard(String program, Map<String, String> env, PrintStream stderr) {
    String f = env.get("WEFT_CNI_LOG");
    return new PluginLog(program, Path.of(f == null || f.isEmpty() ? DEFAULT_FILE : f), stderr, true);
  }

  /** A log writing to {@code file} only (tests). */
  public static PluginLog toFile(String program, Path file, PrintStream stderr) {
    PluginLog l = new PluginLog(program, file, stderr, true);
    l.resolved = true;
    return l;
  }

  /** A log that writes nothing anywhere (AOT training, unit tests). */
  public static PluginLog discard() {
    return new PluginLog("-", null, null, false);
  }

  /** Sets the command / container / interface written on each following line. */
  public void context(String command, String containerId, String ifname) {
    this.command = command == null ? "-" : command;
    this.containerId = containerId == null ? "-" : containerId;
    this.ifname = ifname == null ? "-" : ifname;
  }

  /** Takes {@code logFile} from the network config (if set) and writes held lines. */
  public void configure(NetworkConfig conf) {
    Object f = conf.raw().get("logFile");
    if (f instanceof String s && !s.isEmpty()) {
      try {
        file = Path.of(s);
      } catch (RuntimeException ignored) {
        // an invalid path keeps the env/default file
      }
    }
    flush();
  }

  public Path file() {
    return file;
  }

  public void info(String msg) {
    line("INFO", msg, false);
  }

  public void warn(String msg) {
    line("WARN", msg, true);
  }

  public void error(String msg) {
    line("ERROR", msg, true);
  }

  /** An error with its stack trace (the trace goes to the file only). */
  public void error(String msg, Throwable t) {
    line("ERROR", msg + ": " + t, true);
    if (!enabled) return;
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    append(w.toString().stripTrailing());
  }

  private void line(String level, String msg, boolean toStderr) {
    if (!enabled) return;
    String l = timestamp(System.currentTimeMillis()) + " " + program + "[" + pid() + "] " + command + " " + containerId + " "
        + ifname + " " + level + " " + msg;
    if (toStderr && stderr != null) stderr.println(l);
    append(l);
  }

  private static String pid;

  /**
   * This process's id, read from {@code /proc/self}: {@code ProcessHandle.current()} would initialise
   * the process-reaper machinery (a thread pool among it, ~0.5 ms of a CNI call).
   */
  static String pid() {
    String p = pid;
    if (p == null) {
      try {
        p = Files.readSymbolicLink(Path.of("/proc/self")).toString();
        Long.parseLong(p);
      } catch (Exception e) {
        p = Long.toString(ProcessHandle.current().pid());
      }
      pid = p;
    }
    return p;
  }

  private void append(String l) {
    pending.add(l);
    if (resolved) flush();
  }

  /** Writes held lines to the file; from now on lines are written as they come. */
  public void flush() {
    resolved = true;
    if (!enabled || pending.isEmpty() || file == null) return;
    StringBuilder sb = new StringBuilder();
    for (String l : pending) sb.append(l).append('\n');
    pending.clear();
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) Files.createDirectories(parent);
      Files.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
          StandardOpenOption.WRITE);
    } catch (Exception | Error e) {
      // logging must never fail the operation
    }
  }

  /** UTC "2025-11-22T01:02:03.456Z" without java.time (whose start-up a per-pod JVM would pay). */
  static String timestamp(long millis) {
    long days = Math.floorDiv(millis, 86_400_000L);
    long ms = Math.floorMod(millis, 86_400_000L);
    // civil-from-days (H. Hinnant)
    long z = days + 719_468, era = Math.floorDiv(z, 146_097), doe = z - era * 146_097;
    long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    StringBuilder sb = new StringBuilder(24);
    sb.append(y).append('-');
    pad(sb, m, 2).append('-');
    pad(sb, d, 2).append('T');
    pad(sb, ms / 3_600_000, 2).append(':');
    pad(sb, ms / 60_000 % 60, 2).append(':');
    pad(sb, ms / 1000 % 60, 2).append('.');
    return pad(sb, ms % 1000, 3).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder sb, long v, int width) {
    String s = Long.toString(v);
    for (int i = s.length(); i < width; i++) sb.append('0');
    return sb.append(s);
  }
}
