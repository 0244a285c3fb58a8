package dev.weft.cni;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The host end of a pod's veth is named from the attachment ({@code veth} + 8 hex digits of
 * SHA-1(network/container/ifname)), not randomly: DEL and GC can then find it without the pod's
 * namespace, and an ADD retried after a crash recognises its own leftover.
 */
final class VethName {
  private VethName() {}

  static String of(String network, String containerId, String ifname) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1")
          .digest((network + "/" + containerId + "/" + ifname).getBytes(StandardCharsets.UTF_8));
      return "veth" + HexFormat.of().formatHex(d, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The alias set on the host end: readable in {@code ip link}, parsed back by GC. */
  static String alias(String network, String containerId, String ifname) {
    return "weft:" + network + ":" + containerId + ":" + ifname;
  }
}
