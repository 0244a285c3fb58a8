package dev.weft.bench.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParsersTest {
  static final String SNMP = """
      Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits
      Ip: 1 64 %d 0 0 0 0 0 10 10 0 0 0 %d %d 0 %d 0 %d 10
      Icmp: InMsgs InErrors
      Icmp: 3 0
      """;

  static String snmp(long in, long reasmReqds, long reasmOks, long fragOks, long fragCreates) {
    return SNMP.formatted(in, reasmReqds, reasmOks, fragOks, fragCreates);
  }

  @Test
  void snmpFragmentationCounters() {
    Snmp a = Snmp.parse(snmp(100, 0, 0, 0, 0));
    assertEquals(Map.of("FragCreates", 0L, "FragOKs", 0L, "FragFails", 0L, "ReasmReqds", 0L, "ReasmOKs", 0L, "ReasmFails", 0L), a.frag());
    // other counters moving is not fragmentation
    assertEquals(Map.of(), Snmp.parse(snmp(5000, 0, 0, 0, 0)).fragGrowthSince(a));
    assertEquals(Map.of("ReasmReqds", 2L, "ReasmOKs", 1L, "FragOKs", 1L, "FragCreates", 2L),
        Snmp.parse(snmp(5000, 2, 1, 1, 2)).fragGrowthSince(a));
    assertEquals(List.of("FragCreates", "FragOKs", "ReasmReqds", "ReasmOKs"),
        List.copyOf(Snmp.parse(snmp(5000, 2, 1, 1, 2)).fragGrowthSince(a).keySet()), "in FRAG_COUNTERS order");
  }

  @Test
  void snmpRejectsWhatIsNotProcNetSnmp() {
    assertThrows(IllegalArgumentException.class, () -> Snmp.parse("Icmp: InMsgs\nIcmp: 3\n"));
    assertThrows(IllegalArgumentException.class, () -> Snmp.parse("Ip: Forwarding DefaultTTL\nIp: 1\n"));
    assertThrows(IllegalArgumentException.class, () -> Snmp.parse("Ip: Forwarding DefaultTTL\nIp: 1 64\n"), "no Frag counters");
  }

  static final String IPERF = """
      {
        "start": {"connected": [], "version": "iperf 3.12", "tcp_mss_default": 1398,
          "test_start": {"protocol": "TCP", "num_streams": 4, "blksize": 131072, "omit": 1, "duration": 10}},
        "intervals": [
          {"streams": [], "sum": {"start": 0, "end": 1.0, "bits_per_second": 1.0e9, "omitted": true}},
          {"streams": [], "sum": {"start": 0, "end": 1.0, "bits_per_second": 9.5e9, "omitted": false}},
          {"streams": [], "sum": {"start": 1.0, "end": 2.0, "bits_per_second": 10500000000, "omitted": false}}
        ],
        "end": {
          "sum_sent": {"bytes": 1, "bits_per_second": 1.01e10, "retransmits": 17},
          "sum_received": {"bytes": 1, "bits_per_second": 1.0e10},
          "cpu_utilization_percent": {"host_total": 41.5, "remote_total": 63.25}
        }
      }
      """;

  @Test
  void iperfJson() {
    IperfResult r = IperfResult.parse(IPERF);
    assertEquals(4, r.streams());
    assertEquals(10.0, r.receivedGbps(), 1e-9);
    assertEquals(1.01e10, r.sentBps(), 1);
    assertEquals(17, r.retransmits());
    assertEquals(41.5, r.hostCpuPct(), 1e-9);
    assertEquals(63.25, r.remoteCpuPct(), 1e-9);
    assertEquals(List.of(9.5e9, 1.05e10), r.intervalBps(), "omitted warm-up interval left out");
  }

  @Test
  void iperfErrors() {
    var e = assertThrows(IllegalStateException.class,
        () -> IperfResult.parse("{\"start\":{},\"intervals\":[],\"end\":{},\"error\":\"unable to connect to server: Connection refused\"}"));
    assertEquals("iperf3: unable to connect to server: Connection refused", e.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> IperfResult.parse("iperf3: error - unable to connect"));
    assertTrue(e2.getMessage().startsWith("iperf3 output is not JSON"), e2.getMessage());
  }

  @Test
  void pingOutput() {
    PingResult p = PingResult.parse("""
        PING 10.244.18.2 (10.244.18.2) 56(84) bytes of data.
        64 bytes from 10.244.18.2: icmp_seq=1 ttl=63 time=0.081 ms
        64 bytes from 10.244.18.2: icmp_seq=2 ttl=63 time=0.138 ms
        64 bytes from 10.244.18.2: icmp_seq=3 ttl=63 time=1.02 ms

        --- 10.244.18.2 ping statistics ---
        4 packets transmitted, 3 received, 25% packet loss, time 31ms
        rtt min/avg/max/mdev = 0.081/0.413/1.020/0.430 ms
        """);
    assertEquals(4, p.transmitted());
    assertEquals(3, p.received());
    assertEquals(3, p.rttMicros().size());
    assertEquals(81.0, p.rttMicros().get(0), 1e-9);
    assertEquals(1020.0, p.rttMicros().get(2), 1e-9);
    PingResult tooBig = PingResult.parse("""
        PING 10.244.18.2 (10.244.18.2) 1423(1451) bytes of data.

        --- 10.244.18.2 ping statistics ---
        1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms
        """);
    assertEquals(0, tooBig.received());
    assertThrows(IllegalArgumentException.class, () -> PingResult.parse("ping: connect: Network is unreachable"));
  }

  @Test
  void percentilesAndMedians() {
    double[] v = new double[100];
    for (int i = 0; i < 100; i++) v[i] = 100 - i; // 1..100, unsorted
    assertEquals(50, Stats.percentile(v, 50));
    assertEquals(99, Stats.percentile(v, 99));
    assertEquals(100, Stats.percentile(v, 100));
    assertEquals(1, Stats.percentile(v, 0.5));
    assertEquals(7, Stats.percentile(new long[] {7}, 99));
    assertTrue(Double.isNaN(Stats.percentile(new double[0], 50)));
    assertEquals(2.0, Stats.median(List.of(3.0, 1.0, 2.0)));
    assertEquals(2.5, Stats.median(List.of(4.0, 1.0, 2.0, 3.0)));
    assertTrue(Double.isNaN(Stats.median(List.of())));
  }
}
