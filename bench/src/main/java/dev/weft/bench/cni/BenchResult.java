package dev.weft.bench.cni;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Everything one run measured, for the report. */
record BenchResult(
    Instant start, Instant end, String commandLine, BenchOptions options, Map<String, String> machine,
    List<Side> sides, Probe floor, Probe spawn, List<String> notes) {

  /** One plugin in one config: its cycles (warm-up excluded) and what weft's trace said. */
  record Side(PluginSide side, List<AddDelCycle.Result> cycles, TraceBreakdown.Summary trace,
              List<TraceBreakdown.Line> traceLines, Map<String, Integer> leftovers, String firstFailure) {
    List<AddDelCycle.Result> ok() {
      return cycles.stream().filter(AddDelCycle.Result::ok).toList();
    }

    int failures() {
      return cycles.size() - ok().size();
    }

    LatencyStats add() {
      long[] v = ok().stream().mapToLong(r -> r.add().wallNanos()).toArray();
      return v.length == 0 ? null : new LatencyStats(v);
    }

    /** CPU per invocation, or null when it was not measured. */
    LatencyStats addCpu() {
      long[] v = ok().stream().mapToLong(r -> r.add().cpuNanos()).toArray();
      return v.length == 0 || java.util.Arrays.stream(v).anyMatch(x -> x < 0) ? null : new LatencyStats(v);
    }

    LatencyStats delCpu() {
      long[] v = ok().stream().mapToLong(r -> r.del().cpuNanos()).toArray();
      return v.length == 0 || java.util.Arrays.stream(v).anyMatch(x -> x < 0) ? null : new LatencyStats(v);
    }

    LatencyStats del() {
      long[] v = ok().stream().mapToLong(r -> r.del().wallNanos()).toArray();
      return v.length == 0 ? null : new LatencyStats(v);
    }
  }

  /** A single-process probe (JVM floor, spawn baseline); null nanos when it could not run. */
  record Probe(String name, List<String> command, long[] nanos, long[] cpuNanos, String note, String description) {
    LatencyStats stats() {
      return nanos == null || nanos.length == 0 ? null : new LatencyStats(nanos);
    }

    LatencyStats cpu() {
      return cpuNanos == null || cpuNanos.length == 0 || java.util.Arrays.stream(cpuNanos).anyMatch(x -> x < 0) ? null : new LatencyStats(cpuNanos);
    }
  }

  Side side(String config, PluginSide.Impl impl) {
    return sides.stream().filter(s -> s.side().config().equals(config) && s.side().impl() == impl).findFirst().orElse(null);
  }
}
