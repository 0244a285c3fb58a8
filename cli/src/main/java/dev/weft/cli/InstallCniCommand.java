package dev.weft.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a CNI installer init container does: puts {@code weft-cni} and {@code weft-ipam} into the
 * node's CNI bin dir (symlinks to this distribution, which keep working because the launchers
 * resolve their own location) and writes a conflist into the CNI conf dir, atomically (runtimes
 * watch that directory and must never read a half-written file).
 */
@Command(name = "install-cni", mixinStandardHelpOptions = true,
    description = "Install weft-cni and weft-ipam into a CNI bin dir and write a network config.")
final class InstallCniCommand implements Callable<Integer> {
  @Option(names = "--bin-dir", required = true, description = "CNI bin dir, e.g. /opt/cni/bin")
  Path binDir;

  @Option(names = "--conf-dir", required = true, description = "CNI conf dir, e.g. /etc/cni/net.d")
  Path confDir;

  @Option(names = "--network", defaultValue = "weft", description = "network name (default: ${DEFAULT-VALUE})")
  String network;

  @Option(names = "--subnet", defaultValue = "10.244.0.0/24", description = "pod subnet of this node (default: ${DEFAULT-VALUE})")
  String subnet;

  @Option(names = "--bridge", defaultValue = "cni0", description = "bridge name (default: ${DEFAULT-VALUE})")
  String bridge;

  @Option(names = "--ip-masq", defaultValue = "true", negatable = true, description = "masquerade pod egress (default: ${DEFAULT-VALUE})")
  boolean ipMasq;

  @Option(names = "--force", description = "overwrite an existing conflist of the same name")
  boolean force;

  @Override
  public Integer call() throws IOException {
    dev.weft.kernel.IpPrefix.parse(subnet); // clear error for a bad subnet before touching anything
    Path dist = distHome();
    Files.createDirectories(binDir);
    for (String bin : new String[] {"weft-cni", "weft-ipam"}) link(binDir.resolve(bin), dist.resolve("bin").resolve(bin));
    Path conf = confDir.resolve("10-" + network + ".conflist");
    if (Files.exists(conf) && !force) {
      System.out.println("kept existing " + conf + " (use --force to overwrite)");
    } else {
      writeAtomically(conf, conflist());
      System.out.println("wrote " + conf);
    }
    System.out.println("installed weft-cni, weft-ipam into " + binDir + " (-> " + dist.resolve("bin") + ")");
    return 0;
  }

  String conflist() {
    return """
        {
          "cniVersion": "1.1.0",
          "name": "%s",
          "plugins": [
            {
              "type": "weft-cni",
              "bridge": "%s",
              "isDefaultGateway": true,
              "ipMasq": %s,
              "hairpinMode": true,
              "ipam": {
                "type": "weft-ipam",
                "ranges": [[{"subnet": "%s"}]]
              },
              "capabilities": {"portMappings": true, "ips": true, "mac": true}
            }
          ]
        }
        """.formatted(network, bridge, ipMasq, subnet);
  }

  /** The distribution this command runs from: the launcher exports WEFT_HOME. */
  private static Path distHome() {
    String home = System.getenv("WEFT_HOME");
    if (home == null || home.isEmpty()) throw new IllegalStateException("WEFT_HOME is not set: run through dist/bin/weft");
    return Path.of(home);
  }

  private static void link(Path at, Path target) throws IOException {
    Path tmp = at.resolveSibling("." + at.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, target);
    Files.move(tmp, at, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
