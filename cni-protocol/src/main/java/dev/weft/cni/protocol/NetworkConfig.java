package dev.weft.cni.protocol;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A plugin's network configuration as read from stdin: the parsed map plus typed accessors. Parse
 * errors are clean CNI errors: code 6 for bytes that are not a JSON object, code 7 for a missing or
 * mistyped field (the message names it).
 */
public final class NetworkConfig {
  private static final JsonFields F = JsonFields.config();

  private final byte[] rawBytes;
  private final Map<String, Object> raw;
  private final String name;
  private final String type;
  private final String cniVersion;
  private final List<String> cniVersions;
  private final Map<String, Object> ipam;
  private final Map<String, Object> runtimeConfig;
  private final Map<String, Object> args;
  private final Result prevResult;

  private NetworkConfig(byte[] rawBytes, Map<String, Object> raw) throws CniError {
    this.rawBytes = rawBytes;
    this.raw = raw;
    this.name = F.requireString(raw, "", "name");
    validateName(name);
    this.type = F.requireString(raw, "", "type");
    this.cniVersion = F.string(raw, "", "cniVersion", null);
    List<String> vs = F.strings(raw, "", "cniVersions");
    this.cniVersions = vs == null ? List.of() : List.copyOf(vs);
    Map<String, Object> i = F.object(raw, "", "ipam");
    this.ipam = i == null ? Map.of() : i;
    Map<String, Object> rc = F.object(raw, "", "runtimeConfig");
    this.runtimeConfig = rc == null ? Map.of() : rc;
    Map<String, Object> a = F.object(raw, "", "args");
    this.args = a == null ? Map.of() : a;
    Object prev = raw.get("prevResult");
    this.prevResult = prev == null ? null : Result.fromJson(prev, "prevResult");
  }

  /** Parses stdin. */
  public static NetworkConfig parse(byte[] stdin) throws CniError {
    if (stdin == null || stdin.length == 0)
      throw new CniError(CniError.DECODE_FAILURE, "empty network configuration on stdin");
    Object v;
    try {
      v = Json.parse(stdin);
    } catch (Json.JsonException e) {
      throw new CniError(CniError.DECODE_FAILURE, "network configuration is not valid JSON", JsonFields.shorten(e.getMessage()));
    } catch (RuntimeException | StackOverflowError e) {
      throw new CniError(CniError.DECODE_FAILURE, "network configuration is not valid JSON", e.getClass().getSimpleName());
    }
    if (!(v instanceof Map<?, ?>))
      throw new CniError(CniError.DECODE_FAILURE, "network configuration must be a JSON object, got " + JsonFields.typeName(v));
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    return new NetworkConfig(stdin.clone(), m);
  }

  /**
   * Network names become directory and chain names: libcni's rule (a letter or digit, then letters,
   * digits, '_', '.', '-').
   */
  static void validateName(String n) throws CniError {
    boolean ok = !n.isEmpty() && Character.isLetterOrDigit(n.charAt(0)) && n.charAt(0) < 128;
    for (int i = 1; ok && i < n.length(); i++) {
      char c = n.charAt(i);
      ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-');
    }
    if (!ok) throw new CniError(CniError.INVALID_CONFIG, "invalid characters in network name", "\"" + JsonFields.shorten(n) + "\"");
  }

  public String name() {
    return name;
  }

  public String type() {
    return type;
  }

  /** The config's cniVersion, or null when absent. */
  public String cniVersion() {
    return cniVersion;
  }

  /** The spec 1.1.0 {@code cniVersions} list (empty when absent). */
  public List<String> cniVersions() {
    return cniVersions;
  }

  /** The {@code ipam} object, empty when absent. */
  public Map<String, Object> ipam() {
    return Collections.unmodifiableMap(ipam);
  }

  /** The {@code runtimeConfig} object (capabilities), empty when absent. */
  public Map<String, Object> runtimeConfig() {
    return Collections.unmodifiableMap(runtimeConfig);
  }

  /** The {@code args} object, empty when absent. */
  public Map<String, Object> args() {
    return Collections.unmodifiableMap(args);
  }

  /** The chained previous result, or null. */
  public Result prevResult() {
    return prevResult;
  }

  public Map<String, Object> raw() {
    return Collections.unmodifiableMap(raw);
  }

  public byte[] rawBytes() {
    return rawBytes.clone();
  }

  public String string(String key, String dflt) throws CniError {
    return F.string(raw, "", key, dflt);
  }

  public boolean bool(String key, boolean dflt) throws CniError {
    return F.bool(raw, "", key, dflt);
  }

  public int integer(String key, int dflt) throws CniError {
    return F.integer(raw, "", key, dflt);
  }

  /** A top-level object field, or null when absent (code 7 when not an object). */
  public Map<String, Object> object(String key) throws CniError {
    return F.object(raw, "", key);
  }
}
