package dev.weft.nat;

import java.util.List;

/** A failed nft / iptables-restore / iptables-save: carries the command and its stderr, trimmed. */
public class NatException extends RuntimeException {
  private final List<String> command;
  private final String stderr;

  public NatException(List<String> command, String stderr) {
    this(command, stderr, null);
  }

  public NatException(List<String> command, String stderr, String hint) {
    super(String.join(" ", command) + " failed: " + stderr.strip() + (hint == null ? "" : " (" + hint + ")"));
    this.command = List.copyOf(command);
    this.stderr = stderr.strip();
  }

  public List<String> command() {
    return command;
  }

  public String stderr() {
    return stderr;
  }
}
