package dev.weft.bench.overlay;

import dev.weft.bench.HostFacts;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Facts a reader needs to judge a run: cores, kernel, CPU, load before and after, versions, the build that ran. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe(OverlayOptions opts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("kernel", HostFacts.kernel());
    m.put("cpu", HostFacts.cpuModel());
    m.put("uptimeStart", HostFacts.uptime());
    m.put("iperf3", HostFacts.sh("iperf3", "--version").lines().findFirst().orElse("unknown"));
    m.put("ping", HostFacts.sh("ping", "-V").lines().findFirst().orElse("unknown"));
    m.put("driverJava", HostFacts.java());
    Path repo = opts.dist().getParent();
    m.put("weftCommit", HostFacts.sh("git", "-C", repo.toString(), "log", "-1", "--format=%h %cI %s"));
    m.put("distBuilt", distBuilt(opts));
    return m;
  }

  /** When dist/'s agent jar was written (a rebuild during the run shows as a different value at the end). */
  static String distBuilt(OverlayOptions opts) {
    return HostFacts.modified(opts.dist().resolve("lib/weft-overlay-agent.jar"));
  }
}
