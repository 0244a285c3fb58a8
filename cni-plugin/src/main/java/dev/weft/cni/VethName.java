package dev.weft.cni;

import java.nio.charset.StandardCharsets;

/**
 * The host end of a pod's veth is named from the attachment ({@code veth} + 8 hex digits of
 * SHA-1(network/container/ifname)), not randomly: DEL and GC can then find it without the pod's
 * namespace, and an ADD retried after a crash recognises its own leftover.
 */
final class VethName {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private VethName() {}

  static String of(String network, String containerId, String ifname) {
    byte[] d = Sha1.digest((network + "/" + containerId + "/" + ifname).getBytes(StandardCharsets.UTF_8));
    char[] name = {'v', 'e', 't', 'h', 0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
      name[4 + 2 * i] = HEX[(d[i] >> 4) & 0xf];
      name[5 + 2 * i] = HEX[d[i] & 0xf];
    }
    return new String(name);
  }

  /** The alias set on the host end: readable in {@code ip link}, parsed back by GC. */
  static String alias(String network, String containerId, String ifname) {
    return "weft:" + network + ":" + containerId + ":" + ifname;
  }
}
