package dev.weft.lab;

/** A CNI plugin answered with an error (or could not be run): the spec's code, msg and details. */
public final class CniException extends Exception {
  private final String plugin;
  private final long code;
  private final String msg;
  private final String details;

  public CniException(String plugin, long code, String msg, String details) {
    super(plugin + ": " + msg + (details == null || details.isBlank() ? "" : " (" + details + ")") + " [CNI error " + code + "]");
    this.plugin = plugin;
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  public String plugin() { return plugin; }
  public long code() { return code; }
  public String msg() { return msg; }
  public String details() { return details; }
}
