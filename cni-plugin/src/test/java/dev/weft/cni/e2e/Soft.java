package dev.weft.cni.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Collects check failures so one run reports every deviation, then fails with all of them. */
final class Soft {
  private final List<String> failures = new ArrayList<>();

  void eq(Object expected, Object actual, String what) {
    if (!Objects.equals(expected, actual)) failures.add(what + ": expected <" + expected + "> but was <" + actual + ">");
  }

  void yes(boolean ok, String what) {
    if (!ok) failures.add(what);
  }

  /** Throws an AssertionError listing every failed check, if any. */
  void done(String context) {
    if (!failures.isEmpty())
      throw new AssertionError(failures.size() + " check(s) failed" + (context.isEmpty() ? "" : " (" + context + ")") + ":\n  - "
          + String.join("\n  - ", failures));
  }
}
