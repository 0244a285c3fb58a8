package dev.weft.cli.lab;

import dev.weft.lab.LabStatus;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "node", mixinStandardHelpOptions = true, description = "Stop or start a node's weft-agent (a node failure, a drain).",
    subcommands = {LabNodeCommand.Stop.class, LabNodeCommand.Start.class})
public final class LabNodeCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = {"Stop the node's agent and keep it down (the lab does not restart it) until 'weft lab node start'.",
          "The node's routes, VXLAN entries and NAT rules stay as they are, so its pods keep working; its subnet lease "
              + "expires after the lease TTL, and then the other nodes drop their routes to it."})
  public static final class Stop implements Callable<Integer> {
    @Mixin LabName lab;

    @Parameters(index = "0", paramLabel = "NODE") String node;

    @Option(names = "--kill", description = "SIGKILL instead of SIGTERM (a crash rather than a clean stop)") boolean kill;

    @Override
    public Integer call() {
      LabStatus.NodeStatus n = lab.lab().stopNode(node, kill);
      System.out.println("node " + n.node().name() + ": agent stopped" + (kill ? " (SIGKILL)" : "") + "; 'weft lab node start "
          + n.node().name() + lab.flag() + "' brings it back");
      return 0;
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a stopped node's agent again; returns when it is ready.")
  public static final class Start implements Callable<Integer> {
    @Mixin LabName lab;

    @Parameters(index = "0", paramLabel = "NODE") String node;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "how long to wait for readiness (default: ${DEFAULT-VALUE})")
    int timeout;

    @Override
    public Integer call() {
      LabStatus.NodeStatus n = lab.lab().startNode(node, Duration.ofSeconds(timeout));
      System.out.println("node " + n.node().name() + ": agent ready (pid " + n.agentPid() + "), pod CIDR " + n.podCidr());
      return 0;
    }
  }
}
