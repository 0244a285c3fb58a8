package dev.weft.kernel;

import com.sun.jna.LastErrorException;

/**
 * A failed kernel operation: carries the operation ("RTM_NEWLINK veth wft0 -> peer eth0") and the
 * errno with its name, e.g. {@code "RTM_NEWLINK veth wft0: EEXIST (File exists)"}.
 */
public class KernelException extends RuntimeException {
  private final int errno;
  private final String operation;

  public KernelException(String operation, int errno, String detail) {
    super(operation + ": " + Errno.name(errno) + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    this.errno = Math.abs(errno);
    this.operation = operation;
  }

  public static KernelException of(String operation, LastErrorException e) {
    return new KernelException(operation, e.getErrorCode(), null);
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return Errno.name(errno);
  }

  public String operation() {
    return operation;
  }

  public boolean is(int errnoValue) {
    return errno == errnoValue;
  }
}
