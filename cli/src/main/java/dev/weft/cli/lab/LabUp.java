package dev.weft.cli.lab;

import dev.weft.lab.Lab;
import dev.weft.lab.LabStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "up", mixinStandardHelpOptions = true, description = "Start a lab: underlay, etcd, N nodes with weft-agent, external client.")
public final class LabUp implements Callable<Integer> {
  @Mixin LabName lab;

  @Option(names = "--nodes", defaultValue = "3", description = "number of nodes (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--pods", defaultValue = "0", description = "also add this many pods web-1..web-N (label app=web), spread over the nodes")
  int pods;

  @Option(names = "--dist", description = "the weft distribution (default: the one this command runs from)")
  Path dist;

  @Option(names = "--agent", description = "the weft-agent executable (default: <dist>/bin/weft-agent)")
  Path agent;

  @Option(names = "--proxy", defaultValue = "nftables", paramLabel = "BACKEND",
      description = "service proxy backend of every agent: nftables or iptables (default: ${DEFAULT-VALUE})")
  String proxy;

  @Option(names = "--timeout", defaultValue = "120", description = "seconds to wait for etcd and the agents (default: ${DEFAULT-VALUE})")
  int timeoutSeconds;

  @Override
  public Integer call() {
    Path d = dist != null ? dist : LabSupport.distHome();
    Lab l = lab.lab();
    LabStatus s = l.up(new Lab.UpOptions(nodes, d, agent, Duration.ofSeconds(timeoutSeconds), pods, proxy), System.out);
    System.out.println();
    System.out.print(s.toTable());
    System.out.println();
    System.out.print(l.hint());
    return 0;
  }
}
