package dev.weft.cli.lab;

import java.nio.file.Path;

final class LabSupport {
  private LabSupport() {}

  /** The distribution the launcher runs from (it exports WEFT_HOME); else -Dweft.dist; else null. */
  static Path distHome() {
    String home = System.getenv("WEFT_HOME");
    if (home != null && !home.isEmpty()) return Path.of(home);
    String p = System.getProperty("weft.dist");
    return p == null ? null : Path.of(p);
  }
}
