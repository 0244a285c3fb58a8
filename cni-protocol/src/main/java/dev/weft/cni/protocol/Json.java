package dev.weft.cni.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON as plain Java values, read and written with jackson-core's streaming API (databind costs
 * ~150 ms of start-up, which a CNI plugin pays per pod). Objects are {@code LinkedHashMap<String,
 * Object>} (key order kept), arrays {@code ArrayList<Object>}, numbers {@code Long}, {@code
 * BigInteger} or {@code BigDecimal}, plus {@code String}, {@code Boolean} and {@code null}.
 */
public final class Json {
  /** Built on first use: a plugin call that only reads plain JSON (a DEL) never needs jackson. */
  private static final class Factory {
    static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
        .build();
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
    try (JsonParser p = Factory.FACTORY.createParser(bytes)) {
      JsonToken t = p.nextToken();
      if (t == null) throw new JsonException("empty input, expected a JSON document");
      Object v = read(p, t);
      if (p.nextToken() != null) throw new JsonException("unexpected content after the JSON document at " + location(p));
      return v;
    } catch (JsonException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new JsonException(cleanMessage(e));
    }
  }

  public static Object parse(String s) {
    return parse(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static Object read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          m.put(name, read(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY -> {
        List<Object> l = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) l.add(read(p, e));
        return l;
      }
      case VALUE_STRING -> { return p.getText(); }
      case VALUE_NUMBER_INT -> {
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : (Object) p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> { return p.getDecimalValue(); }
      case VALUE_TRUE -> { return Boolean.TRUE; }
      case VALUE_FALSE -> { return Boolean.FALSE; }
      case VALUE_NULL -> { return null; }
      default -> throw new JsonException("unexpected " + t + " at " + location(p));
    }
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
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = Factory.FACTORY.createGenerator(out)) {
      if (pretty) g.useDefaultPrettyPrinter();
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String writeString(Object value) {
    return new String(write(value), java.nio.charset.StandardCharsets.UTF_8);
  }

  // instanceof chains, not a pattern switch: a type switch links a bootstrap at run time, which a
  // per-pod JVM pays for and the AOT cache does not cover.
  private static void write(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (var e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof List<?> l) {
      g.writeStartArray();
      for (Object e : l) write(g, e);
      g.writeEndArray();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer i) {
      g.writeNumber(i);
    } else if (v instanceof Long l) {
      g.writeNumber(l);
    } else if (v instanceof BigInteger b) {
      g.writeNumber(b);
    } else if (v instanceof BigDecimal d) {
      g.writeNumber(d);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass().getName());
    }
  }

  private static String location(JsonParser p) {
    var loc = p.currentLocation();
    return "line " + loc.getLineNr() + " column " + loc.getColumnNr();
  }

  private static String cleanMessage(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int src = m.indexOf("\n at [Source");
    return src > 0 ? m.substring(0, src) : m;
  }

  /** Malformed JSON; the message says where. */
  public static final class JsonException extends RuntimeException {
    public JsonException(String message) {
      super(message);
    }
  }
}
