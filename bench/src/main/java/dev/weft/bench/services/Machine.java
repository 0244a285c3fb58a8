package dev.weft.bench.services;

import dev.weft.bench.HostFacts;
import dev.weft.proxy.nft.NftProxyBackend;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a reader needs to compare runs: cores, kernel, load, tool versions, and which service-proxy build ran. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe(Path repo) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("nproc", HostFacts.nproc());
    m.put("kernel", HostFacts.kernel());
    m.put("cpu", HostFacts.cpuModel());
    m.put("uptimeStart", HostFacts.sh("uptime"));
    m.put("nft", HostFacts.sh("nft", "-v"));
    m.put("iptables", HostFacts.sh("iptables", "-V"));
    m.put("java", HostFacts.java());
    m.put("jvmFlags", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
    m.put("repoHead", HostFacts.sh("git", "-C", repo.toString(), "log", "-1", "--format=%h %cI %s"));
    String pinned = System.getenv("WEFT_PROXY_COMMIT");
    if (pinned != null && !pinned.isBlank()) {
      // the jar was built from exactly this commit (e.g. a `git archive` export), not from the work tree
      m.put("serviceProxyLastCommit", HostFacts.sh("git", "-C", repo.toString(), "log", "-1", "--format=%h %cI %s", pinned.strip(), "--", "service-proxy/src/main"));
      m.put("serviceProxyBuiltFrom", "git archive of " + pinned.strip() + " (exact commit, no uncommitted changes)");
      m.put("serviceProxyUncommittedFiles", "0");
    } else {
      m.put("serviceProxyLastCommit", HostFacts.sh("git", "-C", repo.toString(), "log", "-1", "--format=%h %cI %s", "--", "service-proxy/src/main"));
      String dirty = HostFacts.sh("git", "-C", repo.toString(), "status", "--porcelain", "--", "service-proxy/src/main");
      m.put("serviceProxyBuiltFrom", "the work tree (dist/ or service-proxy/target)");
      m.put("serviceProxyUncommittedFiles", dirty.isEmpty() ? "0" : dirty.lines().count() + ": " + String.join(", ", dirty.lines().map(String::strip).toList()));
    }
    try {
      Path jar = Path.of(NftProxyBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      m.put("serviceProxyJar", jar.toString());
      m.put("serviceProxyJarModified", Instant.ofEpochMilli(Files.getLastModifiedTime(jar).toMillis()).toString());
      if (Files.isRegularFile(jar)) m.put("serviceProxyJarSha256", sha256(jar));
    } catch (Exception e) {
      m.put("serviceProxyJar", "unknown (" + e + ")");
    }
    return m;
  }

  private static String sha256(Path p) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] b = new byte[65536];
      for (int r; (r = in.read(b)) > 0; ) d.update(b, 0, r);
    }
    return HexFormat.of().formatHex(d.digest()).substring(0, 16);
  }
}
