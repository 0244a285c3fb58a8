package dev.weft.ipam;

import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.Result.Dns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a resolv.conf into a result's DNS, as host-local does (nameserver, domain, search, options). */
final class ResolvConf {
  private ResolvConf() {}

  static Dns read(String file) throws CniError {
    String text;
    try {
      text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new CniError(CniError.INVALID_CONFIG, "field ipam.resolvConf: cannot read " + file, e.toString());
    }
    return parse(text);
  }

  static Dns parse(String text) {
    List<String> ns = new ArrayList<>(), search = new ArrayList<>(), options = new ArrayList<>();
    String domain = null;
    for (String line : text.split("\n", -1)) {
      line = line.strip();
      if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') continue;
      String[] f = line.split("\\s+");
      if (f.length < 2) continue;
      switch (f[0]) {
        case "nameserver" -> ns.add(f[1]);
        case "domain" -> domain = f[1];
        case "search" -> search.addAll(List.of(f).subList(1, f.length));
        case "options" -> options.addAll(List.of(f).subList(1, f.length));
        default -> { }
      }
    }
    return new Dns(ns, domain, search, options);
  }
}
