package dev.weft.cni.protocol;


/**
 * JSON as plain Java values, read and written by {@link PlainJsonReader}/{@link PlainJsonWriter} and,
 * for anything else and every error, jackson-core's streaming API ({@link JacksonJson}; databind costs
 * ~150 ms of start-up, which a CNI plugin pays per pod). Objects are {@code LinkedHashMap<String,
 * Object>} (key order kept), arrays {@code ArrayList<Object>}, numbers {@code Long}, {@code
 * BigInteger} or {@code BigDecimal}, plus {@code String}, {@code Boolean} and {@code null}.
 */
public final class Json {
  /**
   * jackson, for what the plain reader and writer leave alone: {@link JacksonJson}, found on the
   * class path, or — in weft-cni and weft-ipam, whose class path leaves jackson out because
   * java.util.logging's set-up reads every class-path jar in every call — loaded from the jars named
   * by the system property {@value #FALLBACK_PROPERTY} on first use.
   */
  private static final class Jackson {
    static final Fallback INSTANCE = load();

    private static Fallback load() {
      String jars = System.getProperty(FALLBACK_PROPERTY);
      try {
        ClassLoader loader = Json.class.getClassLoader();
        if (jars != null && !jars.isEmpty()) {
          String[] parts = jars.split(":");
          java.net.URL[] urls = new java.net.URL[parts.length];
          for (int k = 0; k < parts.length; k++) urls[k] = java.nio.file.Path.of(parts[k]).toUri().toURL();
          loader = new java.net.URLClassLoader("weft-json-fallback", urls, loader);
        }
        return (Fallback) Class.forName("dev.weft.cni.protocol.JacksonJson", true, loader).getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | java.io.IOException | LinkageError e) {
        throw new IllegalStateException("jackson (JSON fallback) not found" + (jars == null ? "" : " in " + jars) + ": " + e, e);
      }
    }
  }

  /** The system property naming the jars of {@link JacksonJson} and jackson-core (':'-separated). */
  public static final String FALLBACK_PROPERTY = "weft.json.fallback";

  /** The reader/writer behind {@link #parse} and {@link #write} for what the plain ones leave alone. */
  public interface Fallback {
    Object parse(byte[] bytes);

    byte[] write(Object value, boolean pretty);
  }

  private Json() {}

  /**
   * Parses one JSON document; trailing content and malformed input throw {@link JsonException}.
   * Plain documents (a CNI config) are read by {@link PlainJsonReader}, which keeps jackson's
   * parser, and the ~13 ms its first use costs a fresh JVM, off the plugin's path; everything else,
   * errors included, is jackson's.
   */
  public static Object parse(byte[] bytes) {
    Object plain = PlainJsonReader.read(bytes);
    return plain != PlainJsonReader.NOT_HANDLED ? plain : parseWithJackson(bytes);
  }

  /** {@link #parse} by jackson alone (tests compare the two). */
  static Object parseWithJackson(byte[] bytes) {
    return Jackson.INSTANCE.parse(bytes);
  }

  public static Object parse(String s) {
    return parse(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Serialises a value tree (as produced by {@link #parse}) compactly. */
  public static byte[] write(Object value) {
    return write(value, false);
  }

  public static byte[] write(Object value, boolean pretty) {
    if (!pretty) {
      byte[] plain = PlainJsonWriter.write(value);
      if (plain != null) return plain;
    }
    return writeWithJackson(value, pretty);
  }

  /** {@link #write} by jackson alone (tests compare the two). */
  static byte[] writeWithJackson(Object value, boolean pretty) {
    return Jackson.INSTANCE.write(value, pretty);
  }

  public static String writeString(Object value) {
    return new String(write(value), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Malformed JSON; the message says where. */
  public static final class JsonException extends RuntimeException {
    public JsonException(String message) {
      super(message);
    }
  }
}
