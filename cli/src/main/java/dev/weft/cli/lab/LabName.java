package dev.weft.cli.lab;

import dev.weft.lab.Lab;
import picocli.CommandLine.Option;

/** {@code --name LAB}, shared by every lab subcommand. */
public final class LabName {
  @Option(names = "--name", paramLabel = "LAB", defaultValue = "weft", description = "lab name (default: ${DEFAULT-VALUE})")
  String name;

  Lab lab() {
    return new Lab(name);
  }

  /** " --name LAB" for a command to suggest, "" for the default lab. */
  String flag() {
    return "weft".equals(name) ? "" : " --name " + name;
  }
}
