package dev.weft.agent.overlay;

import dev.weft.kernel.testing.Golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.kernel.IpPrefix;
import org.junit.jupiter.api.Test;

class EgressScriptTest {
  private static final Golden GOLDEN = Golden.at("dev/weft/agent/overlay");

  private static final OverlayConfig CONFIG = OverlayConfig.of("node-1", "eth0", IpPrefix.parseAddress("192.168.77.1"),
      IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.0.0/16"));

  @Test
  void scriptMatchesGolden() {
    GOLDEN.check("egress.nft", EgressScript.apply(CONFIG));
  }

  @Test
  void theAppliedTableIsTheListedOne() {
    assertTrue(EgressScript.apply(CONFIG).endsWith(EgressScript.table(CONFIG)));
    assertEquals(EgressScript.normalise(EgressScript.table(CONFIG)), EgressScript.normalise("\n  " + EgressScript.table(CONFIG).replace("\t", "    ") + "\n\n"));
  }

  @Test
  void clusterCidrAndDeviceComeFromTheConfig() {
    var other = new OverlayConfig("n", "vx0", 7, 8472, "ens3", null, IpPrefix.parse("10.50.3.7/24"), IpPrefix.parse("10.50.0.0/16"), 0);
    String t = EgressScript.table(other);
    assertTrue(t.contains("ip saddr 10.50.0.0/16 ip daddr 10.50.0.0/16 return"), t);
    assertTrue(t.contains("oifname \"vx0\""), t);
    assertNotEquals(EgressScript.table(CONFIG), t);
  }

  @Test
  void configIsValidated() {
    assertEquals(IpPrefix.parse("10.244.1.0/24"), new OverlayConfig("n", "weft.vxlan", 1, 4789, "eth0", null,
        IpPrefix.parse("10.244.1.9/24"), IpPrefix.parse("10.244.0.0/16"), 0).podCidr());
    assertThrows(IllegalArgumentException.class, () -> OverlayConfig.of("n", "eth0", null, IpPrefix.parse("10.245.1.0/24"), IpPrefix.parse("10.244.0.0/16")));
    assertThrows(IllegalArgumentException.class, () -> new OverlayConfig("n", "a-name-too-long-x", 1, 4789, "eth0", null,
        IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.0.0/16"), 0));
    assertThrows(IllegalArgumentException.class, () -> new OverlayConfig("n", "weft.vxlan", 0, 4789, "eth0", null,
        IpPrefix.parse("10.244.1.0/24"), IpPrefix.parse("10.244.0.0/16"), 0));
    assertEquals(1450, CONFIG.mtuFor(1500));
    assertEquals(IpPrefix.parse("10.244.1.0/32"), CONFIG.deviceAddress());
  }

  @Test
  void vtepMacIsStableLocallyAdministeredUnicastAndPerNode() {
    var mac = VxlanDevice.vtepMac("node-1");
    assertEquals(mac, VxlanDevice.vtepMac("node-1"));
    assertNotEquals(mac, VxlanDevice.vtepMac("node-2"));
    byte first = mac.bytes()[0];
    assertEquals(0x02, first & 0x03, "locally administered, unicast: " + mac);
    GOLDEN.check("vtep-mac-node-1.txt", mac + "\n"); // a change would strand every peer's entries across an upgrade
  }
}
