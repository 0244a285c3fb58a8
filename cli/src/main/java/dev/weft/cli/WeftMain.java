package dev.weft.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code weft}: the operator's command line. */
@Command(name = "weft", mixinStandardHelpOptions = true, version = "weft 0.1.0",
    description = "weft container networking: install, inspect and run the lab.",
    subcommands = {InstallCniCommand.class, LabCommand.class, ApplyCommand.class, GetCommand.class, DeleteCommand.class})
public final class WeftMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private static volatile List<String> arguments = List.of();

  /** The command line this process was started with (for re-executing it elsewhere). */
  static List<String> arguments() {
    return arguments;
  }

  public static void main(String[] args) {
    arguments = List.of(args);
    // the store client's libraries talk on stderr unless told not to (weft get's output must stay clean)
    System.setProperty("slf4j.internal.verbosity", System.getProperty("slf4j.internal.verbosity", "ERROR"));
    System.setProperty("io.netty.noUnsafe", System.getProperty("io.netty.noUnsafe", "true"));
    CommandLine cl = new CommandLine(new WeftMain());
    cl.setExecutionExceptionHandler((e, cmd, parse) -> {
      cmd.getErr().println("weft: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    System.exit(cl.execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
