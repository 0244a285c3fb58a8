package dev.weft.cni;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo steps of a half-done ADD, run newest first when the ADD fails. A failing undo step is
 * logged and the rest still run: the goal is to leave nothing behind.
 */
final class Rollback {
  interface Step {
    void undo() throws Exception;
  }

  private final Deque<String> names = new ArrayDeque<>();
  private final Deque<Step> steps = new ArrayDeque<>();
  private final java.util.function.Consumer<String> log;

  Rollback(java.util.function.Consumer<String> log) {
    this.log = log;
  }

  void push(String what, Step undo) {
    names.push(what);
    steps.push(undo);
  }

  void run() {
    while (!steps.isEmpty()) {
      String what = names.pop();
      try {
        steps.pop().undo();
      } catch (Exception e) {
        log.accept("rollback: undoing " + what + " failed: " + e);
      }
    }
  }
}
