package dev.weft.bench.overlay;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Per-packet round trips of an iputils {@code ping} run ({@code time=0.045 ms} lines) and its loss count. */
record PingResult(int transmitted, int received, List<Double> rttMicros) {
  private static final Pattern TIME = Pattern.compile("\\btime=([0-9.]+) ms");
  private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

  PingResult {
    rttMicros = List.copyOf(rttMicros);
  }

  static PingResult parse(String out) {
    List<Double> rtts = new ArrayList<>();
    Matcher m = TIME.matcher(out);
    while (m.find()) rtts.add(Double.parseDouble(m.group(1)) * 1000.0);
    Matcher s = SUMMARY.matcher(out);
    if (!s.find()) throw new IllegalArgumentException("no ping summary in: " + out.strip());
    return new PingResult(Integer.parseInt(s.group(1)), Integer.parseInt(s.group(2)), rtts);
  }
}
