package dev.weft.ipam;

import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.JsonFields;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of ranges of one family from which one address is taken per ADD (host-local's RangeSet;
 * dual stack is two sets). {@code index} names {@code last_reserved_ip.<index>}.
 */
public record RangeSet(int index, List<Range> ranges) {
  private static final JsonFields F = JsonFields.config();

  public RangeSet {
    ranges = List.copyOf(ranges);
  }

  static RangeSet parse(int index, List<Object> entries, String path) throws CniError {
    if (entries.isEmpty()) throw F.error(path, "empty range set");
    List<Range> rs = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String p = path + "[" + i + "]";
      Range r = Range.parse(F.asObject(entries.get(i), p), p);
      if (!rs.isEmpty() && rs.getFirst().isIpv4() != r.isIpv4())
        throw F.error(path, "mixed address families in one range set (" + rs.getFirst().subnet() + " and " + r.subnet() + ")");
      for (Range o : rs)
        if (o.overlaps(r)) throw F.error(path, "ranges " + o + " and " + r + " overlap");
      rs.add(r);
    }
    return new RangeSet(index, rs);
  }

  public boolean isIpv4() {
    return ranges.getFirst().isIpv4();
  }

  public boolean contains(InetAddress a) {
    return rangeFor(a) != null;
  }

  /** The range holding {@code a}, or null. */
  public Range rangeFor(InetAddress a) {
    for (Range r : ranges) if (r.contains(a)) return r;
    return null;
  }

  public boolean overlaps(RangeSet o) {
    for (Range a : ranges) for (Range b : o.ranges) if (a.overlaps(b)) return true;
    return false;
  }

  public BigInteger capacity() {
    BigInteger n = BigInteger.ZERO;
    for (Range r : ranges) n = n.add(r.capacity());
    return n;
  }

  /** host-local's text: "start-end,start-end". */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Range r : ranges) sb.append(sb.isEmpty() ? "" : ",").append(r);
    return sb.toString();
  }
}
