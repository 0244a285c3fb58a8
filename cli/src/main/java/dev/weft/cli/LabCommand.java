package dev.weft.cli;

import dev.weft.cli.lab.LabDown;
import dev.weft.cli.lab.LabExec;
import dev.weft.cli.lab.LabHint;
import dev.weft.cli.lab.LabNodeCommand;
import dev.weft.cli.lab.LabPodCommand;
import dev.weft.cli.lab.LabStatusCommand;
import dev.weft.cli.lab.LabUp;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weft lab}: a multi-node weft cluster made of network namespaces on this machine. */
@Command(name = "lab", mixinStandardHelpOptions = true,
    description = {"A multi-node cluster in network namespaces on this machine: an underlay switch, etcd, nodes running "
        + "weft-agent, an external client, and pods wired by weft-cni. Never touches the root namespace."},
    subcommands = {LabUp.class, LabDown.class, LabStatusCommand.class, LabPodCommand.class, LabNodeCommand.class, LabExec.class, LabHint.class})
public final class LabCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
