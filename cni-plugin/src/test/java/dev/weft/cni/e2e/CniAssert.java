package dev.weft.cni.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.regex.Pattern;

/** The CNI output contract: stdout is one JSON object (result or error), never a stack trace. */
final class CniAssert {
  static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Pattern STACK = Pattern.compile(
      "Exception in thread|^\\s*at [\\w$.]+\\(|Caused by: |at dev\\.weft|\\.java:\\d+\\)", Pattern.MULTILINE);

  private CniAssert() {}

  static void noStackTrace(Exec.Out o) {
    if (STACK.matcher(o.stdout()).find() || STACK.matcher(o.stderr()).find())
      fail("a Java stack trace leaked out of the plugin\n" + o.describe());
  }

  /** Exactly one JSON object on stdout, nothing else. */
  static JsonNode singleObject(Exec.Out o) {
    try {
      JsonNode n = STRICT.readTree(o.stdout());
      if (n == null || !n.isObject()) fail("stdout is not one JSON object\n" + o.describe());
      return n;
    } catch (Exception e) {
      throw new AssertionError("stdout is not exactly one JSON object (" + e.getMessage().lines().findFirst().orElse("")
          + ")\n" + o.describe());
    }
  }

  static JsonNode success(Exec.Out o) {
    noStackTrace(o);
    if (o.exit() != 0) fail("expected success\n" + o.describe());
    JsonNode r = singleObject(o);
    assertFalse(r.has("code") && r.has("msg"), () -> "exit 0 but an error object\n" + o.describe());
    return r;
  }

  /** Non-zero exit, one error object {cniVersion, code, msg[, details]}; the code among {@code codes}. */
  static JsonNode error(Exec.Out o, int... codes) {
    noStackTrace(o);
    if (o.exit() == 0) fail("expected a CNI error" + (codes.length > 0 ? " with code " + Arrays.toString(codes) : "")
        + ", got success\n" + o.describe());
    JsonNode e = singleObject(o);
    assertTrue(e.path("code").isInt(), () -> "error without an integer code\n" + o.describe());
    assertTrue(e.path("msg").isTextual() && !e.path("msg").asText().isBlank(), () -> "error without msg\n" + o.describe());
    assertTrue(e.path("cniVersion").isTextual(), () -> "error without cniVersion\n" + o.describe());
    for (var it = e.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      assertTrue(f.equals("cniVersion") || f.equals("code") || f.equals("msg") || f.equals("details"),
          () -> "unexpected field '" + f + "' in error object\n" + o.describe());
    }
    if (codes.length > 0) {
      int code = e.get("code").asInt();
      if (Arrays.stream(codes).noneMatch(c -> c == code))
        fail("expected code " + Arrays.toString(codes) + ", got " + code + "\n" + o.describe());
    }
    return e;
  }

  static void equalJson(JsonNode expected, JsonNode actual, String what) {
    assertEquals(expected, actual, what);
  }
}
