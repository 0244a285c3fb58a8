package dev.weft.cni.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CNI spec versions weft speaks and the choice among them.
 *
 * <p>A config without {@code cniVersion} means "0.1.0" to libcni; weft does not speak 0.1.0/0.2.0
 * (no rich results), so such a config is refused with code 1 unless it lists {@code cniVersions}.
 */
public final class CniVersion {
  public static final String LATEST = "1.1.0";
  /** Oldest first. */
  public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

  private CniVersion() {}

  public static boolean isSupported(String v) {
    return v != null && SUPPORTED.contains(v);
  }

  /**
   * The highest version of {@code cniVersion} ∪ {@code cniVersions} that weft supports (spec 1.1.0
   * "version selection"). Code 1 when none is.
   */
  public static String negotiate(String cniVersion, List<String> cniVersions) throws CniError {
    String best = null;
    List<String> offered = new ArrayList<>();
    if (cniVersion != null && !cniVersion.isEmpty()) offered.add(cniVersion);
    if (cniVersions != null) offered.addAll(cniVersions);
    for (String v : offered) if (isSupported(v) && (best == null || compare(v, best) > 0)) best = v;
    if (best != null) return best;
    String supported = String.join(", ", SUPPORTED);
    if (offered.isEmpty())
      throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI versions",
          "the config has no cniVersion (which means 0.1.0); weft supports " + supported);
    throw new CniError(CniError.INCOMPATIBLE_VERSION, "incompatible CNI versions",
        "config offers " + offered + ", weft supports " + supported);
  }

  /** Compares dotted numeric versions ("0.4.0" < "1.0.0"); IllegalArgumentException when malformed. */
  public static int compare(String a, String b) {
    int[] x = parse(a), y = parse(b);
    for (int i = 0; i < 3; i++) if (x[i] != y[i]) return Integer.compare(x[i], y[i]);
    return 0;
  }

  private static int[] parse(String v) {
    if (v == null) throw new IllegalArgumentException("null version");
    String[] p = v.split("\\.", -1);
    if (p.length < 1 || p.length > 3) throw new IllegalArgumentException("invalid version \"" + v + "\"");
    int[] r = new int[3];
    for (int i = 0; i < p.length; i++) {
      String s = p[i];
      if (s.isEmpty() || s.length() > 6) throw new IllegalArgumentException("invalid version \"" + v + "\"");
      for (int j = 0; j < s.length(); j++)
        if (s.charAt(j) < '0' || s.charAt(j) > '9') throw new IllegalArgumentException("invalid version \"" + v + "\"");
      r[i] = Integer.parseInt(s);
    }
    return r;
  }

  private static boolean atLeast(String v, String min) {
    try {
      return compare(v, min) >= 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** CHECK exists from 0.4.0. */
  public static boolean supportsCheck(String v) {
    return atLeast(v, "0.4.0");
  }

  /** STATUS and GC exist from 1.1.0. */
  public static boolean supportsStatusGc(String v) {
    return atLeast(v, "1.1.0");
  }

  /** Whether {@code ips[].version} is part of the result shape (0.3.x, 0.4.0). */
  public static boolean hasIpVersionField(String v) {
    return !atLeast(v, "1.0.0");
  }

  /**
   * The VERSION answer: {@code {"cniVersion", "supportedVersions"}}. cniVersion echoes the caller's
   * version when weft supports it, else the latest.
   */
  public static Map<String, Object> versionInfo(String confVersion) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cniVersion", isSupported(confVersion) ? confVersion : LATEST);
    m.put("supportedVersions", new ArrayList<Object>(SUPPORTED));
    return m;
  }
}
