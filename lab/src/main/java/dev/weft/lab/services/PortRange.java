package dev.weft.lab.services;

/** An inclusive port range, written {@code 30000-32767}. */
public record PortRange(int first, int last) {
  public static final PortRange DEFAULT_NODE_PORTS = new PortRange(30000, 32767);

  public PortRange {
    if (first < 1 || last > 65535 || first > last) throw new IllegalArgumentException("invalid port range " + first + "-" + last);
  }

  public static PortRange parse(String s) {
    try {
      String[] p = s.trim().split("-", 2);
      return p.length == 1 ? new PortRange(Integer.parseInt(p[0].trim()), Integer.parseInt(p[0].trim()))
          : new PortRange(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("invalid port range '" + s + "' (first-last, e.g. 30000-32767)");
    }
  }

  public int size() {
    return last - first + 1;
  }

  public boolean contains(int port) {
    return port >= first && port <= last;
  }

  @Override
  public String toString() {
    return first + "-" + last;
  }
}
