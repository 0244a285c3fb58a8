package dev.weft.cli.lab;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "down", mixinStandardHelpOptions = true,
    description = "Remove the lab: its processes, namespaces and state directory (works from whatever is left).")
public final class LabDown implements Callable<Integer> {
  @Mixin LabName lab;

  @Override
  public Integer call() {
    lab.lab().down(System.out);
    return 0;
  }
}
