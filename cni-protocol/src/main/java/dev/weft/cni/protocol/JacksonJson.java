package dev.weft.cni.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.weft.cni.protocol.Json.JsonException;
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
 * {@link Json}'s reader and writer for what the plain ones leave alone (fractions, surrogate
 * escapes, pretty printing) and for every error message: jackson-core's streaming API. The only
 * class that touches jackson; weft-cni keeps it and jackson-core in a jar of their own, off the
 * class path (see {@link Json}).
 */
public final class JacksonJson implements Json.Fallback {
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
      .build();

  public JacksonJson() {}

  @Override
  public Object parse(byte[] bytes) {
    try (JsonParser p = FACTORY.createParser(bytes)) {
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

  @Override
  public byte[] write(Object value, boolean pretty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) g.useDefaultPrettyPrinter();
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
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

}
