package dev.weft.cni.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CNI error as the spec defines it: a well-known code, a short message and optional details. A
 * plugin prints {@link #toJson} on stdout and exits non-zero.
 */
public final class CniError extends Exception {
  public static final int INCOMPATIBLE_VERSION = 1;
  public static final int UNSUPPORTED_FIELD = 2;
  public static final int UNKNOWN_CONTAINER = 3;
  public static final int INVALID_ENV = 4;
  public static final int IO_FAILURE = 5;
  public static final int DECODE_FAILURE = 6;
  public static final int INVALID_CONFIG = 7;
  public static final int TRY_AGAIN_LATER = 11;
  public static final int NOT_AVAILABLE = 50;
  public static final int DEGRADED = 51;

  private final int code;
  private final String msg;
  private final String details;

  public CniError(int code, String msg) {
    this(code, msg, null);
  }

  public CniError(int code, String msg, String details) {
    super(details == null || details.isEmpty() ? msg : msg + ": " + details, null, false, false);
    this.code = code;
    this.msg = msg == null ? "" : msg;
    this.details = details == null || details.isEmpty() ? null : details;
  }

  public int code() {
    return code;
  }

  public String msg() {
    return msg;
  }

  /** Details, or null when there are none. */
  public String details() {
    return details;
  }

  /** {@code {cniVersion, code, msg, details?}}; cniVersion is left out when null. */
  public Map<String, Object> toJson(String cniVersion) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (cniVersion != null && !cniVersion.isEmpty()) m.put("cniVersion", cniVersion);
    m.put("code", (long) code);
    m.put("msg", msg);
    if (details != null) m.put("details", details);
    return m;
  }

  /** Shorthand for an invalid-network-config error (code 7). */
  public static CniError config(String msg) {
    return new CniError(INVALID_CONFIG, msg);
  }
}
