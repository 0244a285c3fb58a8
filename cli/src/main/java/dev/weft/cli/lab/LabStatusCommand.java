package dev.weft.cli.lab;

import dev.weft.lab.LabStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Nodes, pod CIDRs, agents, pods and the external client.")
public final class LabStatusCommand implements Callable<Integer> {
  @Mixin LabName lab;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json for scripts (default: a table)")
  String output;

  @Override
  public Integer call() {
    if (output != null && !output.equals("json") && !output.equals("table"))
      throw new dev.weft.lab.LabException("unknown output format '" + output + "' (json or table)");
    LabStatus s = lab.lab().status();
    System.out.print("json".equals(output) ? s.toJsonString() + "\n" : s.toTable());
    return 0;
  }
}
