package dev.weft.cli.lab;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "hint", mixinStandardHelpOptions = true, description = "What to try next in the running lab.")
public final class LabHint implements Callable<Integer> {
  @Mixin LabName lab;

  @Override
  public Integer call() {
    System.out.print(lab.lab().hint());
    return 0;
  }
}
