package dev.weft.ipam;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.CniVersion;
import dev.weft.cni.protocol.GcArgs;
import dev.weft.cni.protocol.Json;
import dev.weft.cni.protocol.NetworkConfig;
import dev.weft.cni.protocol.Result;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Only CniError may escape config and result decoding. parseIpamConfig takes raw bytes (seeds in
 * IpamFuzzTestInputs/); mutatedConfig starts from real host-local/bridge configs and results and
 * replaces values at random places with hostile ones (wrong types, bad CIDRs, huge numbers), which
 * reaches the typed-field checks far more often than random bytes do.
 */
class IpamFuzzTest {
  static final String[] SEEDS = {
      "{\"cniVersion\":\"0.4.0\",\"name\":\"net1\",\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"/tmp/x\","
          + "\"ranges\":[[{\"subnet\":\"10.9.0.0/29\"}],[{\"subnet\":\"fd00:1::/125\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}",
      "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"type\":\"t\",\"ipam\":{\"subnet\":\"10.1.0.0/24\",\"rangeStart\":\"10.1.0.10\","
          + "\"rangeEnd\":\"10.1.0.20\",\"gateway\":\"10.1.0.1\",\"ranges\":[[{\"subnet\":\"fd00::/120\"}]],\"routes\":[{\"dst\":"
          + "\"0.0.0.0/0\",\"gw\":\"10.1.0.1\"}]},\"runtimeConfig\":{\"ips\":[\"10.1.0.15/24\"],\"ipRanges\":[[{\"subnet\":"
          + "\"10.2.0.0/16\"}]]},\"args\":{\"cni\":{\"ips\":[\"fd00::9\"]}},\"cni.dev/valid-attachments\":[{\"containerID\":\"a\","
          + "\"ifname\":\"eth0\"}],\"prevResult\":{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"wftg0\",\"mac\":"
          + "\"96:4c:5f:0d:76:87\"},{\"name\":\"eth100\",\"mac\":\"a6:82:3b:68:bb:ff\",\"sandbox\":\"/run/netns/p\"}],\"ips\":"
          + "[{\"interface\":1,\"address\":\"10.77.0.5/24\",\"gateway\":\"10.77.0.1\"},{\"version\":\"6\",\"address\":\"fd77::5/64\"}],"
          + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"mtu\":1400,\"table\":100}],\"dns\":{\"nameservers\":[\"10.96.0.10\"]}}}"};
  static final String[] STRINGS = {"", "10.1.0.0/24", "10.1.0.5/24", "10.1.0.0/31", "10.1.0.0/33", "fd00::/127", "fd00::/64",
      "::/0", "::ffff:10.1.0.1", "10.1.0.1", "fd00::1", "1.2.3", "999.1.1.1", "a.b.c.d/1", "/24", "10.0.0.0/-1", "10.0.0.0/ 8",
      "1.0.0", "0.2.0", "eth0", "..", "\u0000", "ä", "10.1.0.255", "fd00::ffff:ffff:ffff:ffff"};

  @FuzzTest(maxDuration = "20s")
  void parseIpamConfig(byte[] data) {
    exercise(data);
  }

  /** Where random choices come from: Jazzer's data, or a seeded Random for the plain test. */
  interface Source {
    int consumeInt(int min, int max);

    int consumeInt();

    long consumeLong();

    boolean consumeBoolean();

    String consumeString(int max);
  }

  @FuzzTest(maxDuration = "30s")
  void mutatedConfig(FuzzedDataProvider d) {
    mutate(new Source() {
      public int consumeInt(int min, int max) { return d.consumeInt(min, max); }
      public int consumeInt() { return d.consumeInt(); }
      public long consumeLong() { return d.consumeLong(); }
      public boolean consumeBoolean() { return d.consumeBoolean(); }
      public String consumeString(int max) { return d.consumeString(max); }
    });
  }

  /** Jazzer without coverage feedback barely mutates; this replays 20k seeded random mutations every build. */
  @org.junit.jupiter.api.Test
  void twentyThousandRandomMutations() {
    java.util.Random r = new java.util.Random(20251122);
    Source s = new Source() {
      public int consumeInt(int min, int max) { return min + r.nextInt(max - min + 1); }
      public int consumeInt() { return r.nextInt(); }
      public long consumeLong() { return r.nextLong(); }
      public boolean consumeBoolean() { return r.nextBoolean(); }
      public String consumeString(int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(max + 1); i > 0; i--) sb.append((char) (r.nextBoolean() ? r.nextInt(128) : r.nextInt(0x3000)));
        return sb.toString();
      }
    };
    for (int i = 0; i < 20_000; i++) {
      long before = i;
      try {
        mutate(s);
      } catch (RuntimeException e) {
        throw new AssertionError("mutation " + before + " escaped with " + e, e);
      }
    }
  }

  static void mutate(Source d) {
    Object tree = Json.parse(SEEDS[d.consumeInt(0, SEEDS.length - 1)]);
    int edits = d.consumeInt(1, 6);
    for (int i = 0; i < edits; i++) tree = edit(tree, d, 0);
    exercise(Json.write(tree));
  }

  static void exercise(byte[] bytes) {
    try {
      NetworkConfig conf = NetworkConfig.parse(bytes);
      if (conf.prevResult() != null)
        for (String v : CniVersion.SUPPORTED) Result.fromJson(conf.prevResult().toJson(v));
      IpamConfig c = IpamConfig.parse(conf, null);
      for (RangeSet s : c.rangeSets()) s.capacity();
      GcArgs.validAttachments(conf);
    } catch (CniError expected) {
      // the only allowed failure
    }
  }

  /** Replaces one randomly chosen node of the tree (walking down at random) with a random value. */
  @SuppressWarnings("unchecked")
  static Object edit(Object node, Source d, int depth) {
    if (depth > 8 || d.consumeInt(0, 3) == 0) return value(d, 0);
    if (node instanceof Map<?, ?> m && !m.isEmpty()) {
      Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) m);
      List<String> keys = new ArrayList<>(copy.keySet());
      String k = keys.get(d.consumeInt(0, keys.size() - 1));
      if (d.consumeInt(0, 5) == 0) copy.remove(k);
      else copy.put(k, edit(copy.get(k), d, depth + 1));
      return copy;
    }
    if (node instanceof List<?> l && !l.isEmpty()) {
      List<Object> copy = new ArrayList<>(l);
      int i = d.consumeInt(0, copy.size() - 1);
      if (d.consumeInt(0, 5) == 0) copy.add(copy.get(i));
      else copy.set(i, edit(copy.get(i), d, depth + 1));
      return copy;
    }
    return value(d, 0);
  }

  static Object value(Source d, int depth) {
    switch (d.consumeInt(0, depth > 2 ? 5 : 7)) {
      case 0: return null;
      case 1: return d.consumeBoolean();
      case 2: return d.consumeLong();
      case 3: return d.consumeBoolean() ? new BigDecimal(d.consumeInt() + "." + Math.abs((long) d.consumeInt()))
          : new BigInteger(Long.MAX_VALUE + "" + Math.abs((long) d.consumeInt()));
      case 4: return STRINGS[d.consumeInt(0, STRINGS.length - 1)];
      case 5: return d.consumeString(40);
      case 6: {
        List<Object> l = new ArrayList<>();
        for (int i = d.consumeInt(0, 3); i > 0; i--) l.add(value(d, depth + 1));
        return l;
      }
      default: {
        Map<String, Object> m = new LinkedHashMap<>();
        String[] keys = {"subnet", "rangeStart", "rangeEnd", "gateway", "dst", "gw", "address", "ips", "containerID", "ifname", "mtu"};
        for (int i = d.consumeInt(0, 3); i > 0; i--) m.put(keys[d.consumeInt(0, keys.length - 1)], value(d, depth + 1));
        return m;
      }
    }
  }

  static String text(Object tree) {
    return new String(Json.write(tree), StandardCharsets.UTF_8);
  }
}
