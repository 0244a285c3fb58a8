package dev.weft.bench.cni;

import dev.weft.bench.HostFacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The facts a reader needs to compare runs: cores, kernel, CPU, load, versions of what ran. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe(BenchOptions opts) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("nproc", HostFacts.nproc());
    m.put("kernel", HostFacts.kernel());
    m.put("cpu", HostFacts.cpuModel());
    m.put("memTotal", HostFacts.grep(Path.of("/proc/meminfo"), "MemTotal:"));
    m.put("loadavgStart", HostFacts.loadavg());
    m.put("driverJava", HostFacts.java());
    m.put("referencePackage", HostFacts.sh("dpkg-query", "-W", "-f", "${Package} ${Version}", "containernetworking-plugins"));
    m.put("weftCommit", HostFacts.sh("git", "-C", opts.dist().getParent().toString(), "log", "-1", "--format=%h %cI %s"));
    String dirty = HostFacts.sh("git", "-C", opts.dist().getParent().toString(), "status", "--porcelain", "--",
        "cni-plugin", "cni-protocol", "ipam", "kernel", "host-nat", "scripts/make-dist");
    m.put("weftSourcesUncommitted", dirty.equals("unknown") ? "unknown" : String.valueOf(dirty.lines().count()) + " files");
    m.put("weftCniJarBuilt", HostFacts.modified(opts.dist().resolve("lib/weft-cni-plugin.jar")));
    m.put("weftAotCache", Files.exists(opts.dist().resolve("lib/aot/weft-cni.aot")) ? "present" : "absent");
    return m;
  }
}
