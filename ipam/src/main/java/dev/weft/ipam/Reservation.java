package dev.weft.ipam;

import java.net.InetAddress;
import java.nio.file.Path;

/**
 * One reserved address as host-local stores it: a file named by the IP holding
 * {@code <containerID>\r\n<ifname>}, or just {@code <containerID>} in the pre-0.7 format (then
 * {@code ifname} is null). Unreadable content gives containerId "".
 */
public record Reservation(InetAddress ip, Path file, String containerId, String ifname) {
  /** Parses file content the way host-local compares it (surrounding whitespace trimmed). */
  static Reservation of(InetAddress ip, Path file, String content) {
    String c = content.strip();
    int nl = c.indexOf(ReservationStore.LINE_BREAK);
    if (nl < 0) return new Reservation(ip, file, c, null);
    return new Reservation(ip, file, c.substring(0, nl).strip(), c.substring(nl + ReservationStore.LINE_BREAK.length()));
  }

  /** Held by this attachment in the current format. */
  public boolean isFor(String id, String ifname) {
    return this.ifname != null && this.containerId.equals(id.strip()) && this.ifname.equals(ifname);
  }
}
