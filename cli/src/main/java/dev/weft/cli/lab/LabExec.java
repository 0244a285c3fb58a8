package dev.weft.cli.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "exec", mixinStandardHelpOptions = true,
    description = "Run a command inside a pod's, a node's or the external client's (ext) namespace; its exit code is returned.")
public final class LabExec implements Callable<Integer> {
  @Mixin LabName lab;

  @Parameters(index = "0", paramLabel = "NAME", description = "a pod, a node (node-1 ...), ext or underlay") String target;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "the command (after --)") List<String> command = new ArrayList<>();

  @Override
  public Integer call() {
    return lab.lab().exec(target, command);
  }
}
