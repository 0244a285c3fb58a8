package dev.weft.agent.overlay;

import dev.weft.kernel.FdbEntry;
import dev.weft.kernel.IpPrefix;
import dev.weft.kernel.Neighbour;
import dev.weft.kernel.Route;
import dev.weft.kernel.Rtnl;

/** One write the overlay makes to the kernel: add, change (replace) or remove one entry. */
public sealed interface KernelOp {
  enum Kind { ADD, CHANGE, REMOVE }

  Kind kind();

  /** Performs the write through {@code rtnl}. */
  void apply(Rtnl rtnl);

  record RouteOp(Kind kind, Route route) implements KernelOp {
    @Override
    public void apply(Rtnl rtnl) {
      switch (kind) {
        case ADD -> rtnl.addRoute(route);
        case CHANGE -> rtnl.replaceRoute(route);
        case REMOVE -> rtnl.deleteRoute(route);
      }
    }

    @Override
    public String toString() {
      return verb(kind) + " route " + route.dstText() + (route.gateway() != null ? " via " + IpPrefix.format(route.gateway()) : "")
          + " dev #" + route.oif() + (route.onlink() ? " onlink" : "") + (route.priority() > 0 ? " metric " + route.priority() : "")
          + " proto " + route.protocol();
    }
  }

  record NeighbourOp(Kind kind, Neighbour neighbour) implements KernelOp {
    @Override
    public void apply(Rtnl rtnl) {
      switch (kind) {
        case ADD -> rtnl.addNeighbour(neighbour);
        case CHANGE -> rtnl.replaceNeighbour(neighbour);
        case REMOVE -> rtnl.deleteNeighbour(neighbour);
      }
    }

    @Override
    public String toString() {
      return verb(kind) + " neigh " + IpPrefix.format(neighbour.ip()) + (neighbour.mac() != null ? " lladdr " + neighbour.mac() : "")
          + " dev #" + neighbour.ifindex();
    }
  }

  record FdbOp(Kind kind, FdbEntry entry) implements KernelOp {
    @Override
    public void apply(Rtnl rtnl) {
      switch (kind) {
        case ADD, CHANGE -> rtnl.replaceFdb(entry);
        case REMOVE -> rtnl.deleteFdb(entry);
      }
    }

    @Override
    public String toString() {
      return verb(kind) + " fdb " + entry.mac() + (entry.dst() != null ? " dst " + IpPrefix.format(entry.dst()) : "") + " dev #" + entry.ifindex();
    }
  }

  private static String verb(Kind k) {
    return switch (k) {
      case ADD -> "add";
      case CHANGE -> "replace";
      case REMOVE -> "delete";
    };
  }
}
