package dev.weft.cni.protocol;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Only CniError may escape the decoders, whatever the bytes. Seeds (real configs and results from
 * the reference plugins) live in resources under CniFuzzTestInputs/; plain `mvn test` replays them,
 * JAZZER_FUZZ=1 fuzzes.
 */
class CniFuzzTest {
  @FuzzTest(maxDuration = "20s")
  void parseConfig(byte[] data) {
    try {
      NetworkConfig c = NetworkConfig.parse(data);
      c.integer("mtu", 0);
      c.bool("isGateway", false);
      GcArgs.validAttachments(c);
    } catch (CniError expected) {
      // the only allowed failure
    }
  }

  @FuzzTest(maxDuration = "20s")
  void decodeResult(byte[] data) {
    Object json;
    try {
      json = Json.parse(data);
    } catch (Json.JsonException e) {
      return;
    }
    try {
      Result r = Result.fromJson(json);
      for (String v : CniVersion.SUPPORTED) Result.fromJson(r.toJson(v));
    } catch (CniError expected) {
      // the only allowed failure
    }
  }
}
