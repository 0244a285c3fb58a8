package dev.weft.cli.lab;

import dev.weft.lab.LabPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pod", mixinStandardHelpOptions = true, description = "Add or delete lab pods.",
    subcommands = {LabPodCommand.Add.class, LabPodCommand.Del.class, LabPodCommand.Ready.class})
public final class LabPodCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Create a pod namespace on a node and wire it with the node's CNI config (weft-cni, as a runtime does).")
  public static final class Add implements Callable<Integer> {
    @Mixin LabName lab;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--node", required = true, paramLabel = "NODE") String node;

    @Option(names = {"--label", "-l"}, paramLabel = "k=v", description = "a label (repeatable)") List<String> labels = new ArrayList<>();

    @Override
    public Integer call() {
      LabPod p = lab.lab().addPod(name, node, labels);
      System.out.println("pod " + p.name() + " on " + p.node() + ": " + p.ip() + " (netns " + p.netns() + ")");
      return 0;
    }
  }

  @Command(name = "del", aliases = "delete", mixinStandardHelpOptions = true,
      description = "Delete a pod as the kubelet does: terminating for the grace period (still answering; its endpoints "
          + "ready=false, serving, terminating), then unwired (CNI DEL) and removed.")
  public static final class Del implements Callable<Integer> {
    @Mixin LabName lab;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "2", description = "seconds terminating before removal; 0: at once (default: ${DEFAULT-VALUE})")
    double grace;

    @Override
    public Integer call() {
      lab.lab().deletePod(name, Duration.ofMillis((long) (grace * 1000)));
      System.out.println("pod " + name + " deleted");
      return 0;
    }
  }

  @Command(name = "ready", mixinStandardHelpOptions = true,
      description = "Set a pod's Ready condition (as a readiness probe would): its endpoints become ready or not ready.")
  public static final class Ready implements Callable<Integer> {
    @Mixin LabName lab;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Option(names = "--ready", arity = "1", required = true, paramLabel = "true|false") boolean ready;

    @Override
    public Integer call() {
      LabPod p = lab.lab().setPodReady(name, ready);
      System.out.println("pod " + p.name() + (p.ready() ? " ready" : " not ready"));
      return 0;
    }
  }
}
