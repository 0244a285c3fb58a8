package dev.weft.ipam;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.weft.cni.protocol.CniError;
import dev.weft.cni.protocol.NetworkConfig;

/** Only CniError may escape IPAM config parsing. Seeds: IpamFuzzTestInputs/ (host-local configs). */
class IpamFuzzTest {
  @FuzzTest(maxDuration = "20s")
  void parseIpamConfig(byte[] data) {
    try {
      IpamConfig c = IpamConfig.parse(NetworkConfig.parse(data), null);
      for (RangeSet s : c.rangeSets()) s.capacity();
    } catch (CniError expected) {
      // the only allowed failure
    }
  }
}
