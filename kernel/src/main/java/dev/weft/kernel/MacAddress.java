package dev.weft.kernel;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** A 6-byte Ethernet address, written "0a:58:0a:f4:01:05". */
public record MacAddress(byte[] bytes) {
  public MacAddress {
    if (bytes.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes, got " + bytes.length);
    bytes = bytes.clone();
  }

  public static MacAddress parse(String s) {
    String[] parts = s.split("[:-]", -1);
    if (parts.length != 6) throw new IllegalArgumentException("invalid MAC address \"" + s + "\"");
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      if (parts[i].length() != 2) throw new IllegalArgumentException("invalid MAC address \"" + s + "\"");
      try {
        b[i] = (byte) Integer.parseInt(parts[i], 16);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid MAC address \"" + s + "\"");
      }
    }
    return new MacAddress(b);
  }

  /** A random locally administered unicast address. */
  public static MacAddress randomLocal() {
    byte[] b = new byte[6];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] = (byte) ((b[0] & 0xfc) | 0x02);
    return new MacAddress(b);
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.ofDelimiter(":").formatHex(bytes);
  }
}
