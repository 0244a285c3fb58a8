package dev.weft.ipam;

import dev.weft.cni.protocol.CniError;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Set;

/**
 * Picks the next free address of a range set in host-local's order: round-robin from the set's last
 * reserved address + 1 (or from the first range's start when that is unknown or no longer in the
 * set), range after range, wrapping once, never the gateway. Free means not among the listed
 * reservations and the O_EXCL create succeeds.
 */
final class AddressAllocator {
  private final RangeSet set;
  private final ReservationStore store;

  AddressAllocator(RangeSet set, ReservationStore store) {
    this.set = set;
    this.store = store;
  }

  /** Reserves and returns the next free address, or null when the set is exhausted. */
  InetAddress allocate(String containerId, String ifname, Set<InetAddress> taken) throws CniError {
    long takenInSet = 0;
    for (InetAddress a : taken) {
      Range r = set.rangeFor(a);
      if (r != null && !a.equals(r.gateway())) takenInSet++;
    }
    if (BigInteger.valueOf(takenInSet).compareTo(set.capacity()) >= 0) return null;
    Cursor c = new Cursor(store.lastReserved(set.index()));
    for (BigInteger n = c.next(); n != null; n = c.next()) {
      InetAddress a = dev.weft.kernel.IpPrefix.fromNumber(n, set.isIpv4());
      if (taken.contains(a)) continue;
      if (store.reserve(a, containerId, ifname, set.index())) return a;
    }
    return null;
  }

  /** host-local's RangeIter, on numbers. */
  private final class Cursor {
    private int rangeIdx;
    private BigInteger cur;
    private BigInteger startIp;

    Cursor(InetAddress lastReserved) {
      Range holder = lastReserved == null ? null : set.rangeFor(lastReserved);
      if (holder != null) {
        rangeIdx = set.ranges().indexOf(holder);
        cur = Range.num(lastReserved);
      } else {
        startIp = Range.num(set.ranges().getFirst().start());
      }
    }

    BigInteger next() {
      Range r = set.ranges().get(rangeIdx);
      if (cur == null) {
        cur = Range.num(r.start());
        startIp = cur;
        return cur.equals(Range.num(r.gateway())) ? next() : cur;
      }
      if (cur.equals(Range.num(r.end()))) {
        rangeIdx = (rangeIdx + 1) % set.ranges().size();
        r = set.ranges().get(rangeIdx);
        cur = Range.num(r.start());
      } else {
        cur = cur.add(BigInteger.ONE);
      }
      if (startIp == null) startIp = cur;
      else if (cur.equals(startIp)) return null;
      return cur.equals(Range.num(r.gateway())) ? next() : cur;
    }
  }
}
