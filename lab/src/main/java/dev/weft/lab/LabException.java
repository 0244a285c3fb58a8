package dev.weft.lab;

/** A failure the user should read as one line (the CLI prints "weft: " + message, no stack trace). */
public final class LabException extends RuntimeException {
  public LabException(String message) {
    super(message);
  }

  public LabException(String message, Throwable cause) {
    super(message, cause);
  }
}
