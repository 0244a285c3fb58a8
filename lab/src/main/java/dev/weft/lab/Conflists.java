package dev.weft.lab;

import dev.weft.cni.protocol.Json;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the lab reads from a node's CNI conflist (written by its agent). */
final class Conflists {
  private Conflists() {}

  /** The node's pod CIDR: the first range of the first plugin with an ipam section; null when none yet. */
  static String podCidr(LabPaths paths, String node) {
    Path f = ConflistInvoker.findConflist(paths.cniConfDir(node));
    if (f == null) return null;
    try {
      for (Object p : J.list(J.map(Json.parse(Files.readAllBytes(f))).get("plugins"))) {
        Object ranges = J.map(J.map(p).get("ipam")).get("ranges");
        for (Object set : J.list(ranges))
          for (Object r : J.list(set)) {
            String s = J.str(J.map(r), "subnet");
            if (s != null) return s;
          }
        String subnet = J.str(J.map(J.map(p).get("ipam")), "subnet");
        if (subnet != null) return subnet;
      }
    } catch (Exception e) {
      return null; // being rewritten
    }
    return null;
  }
}
