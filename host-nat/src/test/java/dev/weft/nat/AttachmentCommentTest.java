package dev.weft.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AttachmentCommentTest {
  @Test
  void roundTrips() {
    AttachmentId id = new AttachmentId("k8s-pod-network", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "eth0");
    assertEquals("net=k8s-pod-network id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef if=eth0", AttachmentComment.encode(id));
    assertEquals(id, AttachmentComment.decode(AttachmentComment.encode(id)));
    assertTrue(AttachmentComment.belongsTo(AttachmentComment.encode(id), "k8s-pod-network"));
    assertFalse(AttachmentComment.belongsTo(AttachmentComment.encode(id), "k8s"));
  }

  @Test
  void escapesSeparatorsAndQuotes() {
    AttachmentId id = new AttachmentId("a b", "c\"d", "e=f%");
    String c = AttachmentComment.encode(id);
    assertEquals("net=a%20b id=c%22d if=e%3Df%25", c);
    assertEquals(id, AttachmentComment.decode(c));
  }

  @Test
  void longIdsStayUnderNftLimitAndDistinct() {
    String net = "n".repeat(100);
    AttachmentId a = new AttachmentId(net, "a".repeat(64), "eth0"), b = new AttachmentId(net, "a".repeat(63) + "b", "eth0");
    assertTrue(AttachmentComment.encode(a).length() <= AttachmentComment.MAX);
    assertNotEquals(AttachmentComment.encode(a), AttachmentComment.encode(b));
    assertTrue(AttachmentComment.belongsTo(AttachmentComment.encode(a), net));
  }

  @Test
  void foreignCommentsAreIgnored() {
    assertNull(AttachmentComment.decode("weft hostPorts"));
    assertNull(AttachmentComment.decode(null));
    assertFalse(AttachmentComment.belongsTo("kube-proxy", "x"));
  }

  @Test
  void chainNamesFitIptables() {
    String chain = IptablesScript.masqChain(new AttachmentId("n", "c", "eth0"));
    assertTrue(chain.length() <= 28, chain);
  }

  @Test
  void backendNames() {
    assertEquals("nftables", NatBackend.check(null));
    assertEquals("iptables", NatBackend.check("iptables"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NatBackend.masquerade("ipvs", null));
    assertTrue(e.getMessage().contains("\"ipvs\""), e.getMessage());
  }

  @Test
  void portMappingNormalises() {
    PortMapping m = new PortMapping(80, 8080, "TCP", "0.0.0.0");
    assertEquals("tcp", m.protocol());
    assertNull(m.hostAddress());
    assertTrue(m.appliesTo(true));
    assertFalse(m.appliesTo(false));
    assertThrows(IllegalArgumentException.class, () -> new PortMapping(0, 80, "tcp", null));
    assertThrows(IllegalArgumentException.class, () -> new PortMapping(80, 80, "icmp", null));
  }
}
