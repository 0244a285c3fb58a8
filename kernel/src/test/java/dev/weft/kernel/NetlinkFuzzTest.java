package dev.weft.kernel;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz target for the netlink parser: any bytes, split into messages and parsed as every
 * rtnetlink object kind, either parse or throw NetlinkFormatException. In a normal {@code mvn test}
 * it replays the seed corpus (NetlinkFuzzTestInputs/parse: kernel dump replies); run with
 * {@code JAZZER_FUZZ=1} to fuzz.
 */
class NetlinkFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] data) {
    parseEverything(data, data.length);
  }

  /** Parses {@code len} bytes every way the socket code does; only NetlinkFormatException may escape. */
  static void parseEverything(byte[] data, int len) {
    try {
      for (NetlinkMessage m : NetlinkMessage.parseAll(data, len)) {
        for (int kind = 0; kind < 6; kind++) {
          try {
            switch (kind) {
              case 0 -> Link.parse(m);
              case 1 -> Address.parse(m);
              case 2 -> Route.parse(m);
              case 3 -> Neighbour.parse(m);
              case 4 -> FdbEntry.parse(m);
              default -> {
                if (m.payloadLength() >= 4) {
                  m.error();
                  m.extAckMessage();
                }
              }
            }
          } catch (NetlinkFormatException expected) {
            // malformed for this kind: fine
          }
        }
      }
    } catch (NetlinkFormatException expected) {
      // malformed framing: fine
    }
  }
}
