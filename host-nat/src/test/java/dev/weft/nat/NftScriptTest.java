package dev.weft.nat;

import dev.weft.kernel.testing.Golden;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.kernel.IpPrefix;
import dev.weft.nat.NftScript.Element;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftScriptTest {
  private static final Golden GOLDEN = Golden.at("golden");

  static final AttachmentId ID = new AttachmentId("mynet", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "eth0");
  static final List<IpPrefix> DUAL = List.of(IpPrefix.parse("10.244.1.5/24"), IpPrefix.parse("fd00:10::5/64"));
  static final List<PortMapping> MAPPINGS = List.of(
      new PortMapping(8080, 80, "tcp", null),
      new PortMapping(5353, 53, "UDP", ""),
      new PortMapping(9090, 90, "tcp", "192.168.50.2"),
      new PortMapping(8443, 443, "tcp", "::"),
      new PortMapping(9999, 99, "sctp", "fd00:50::2"));

  @Test
  void masqueradeDualStack() {
    GOLDEN.check("nft-masquerade-dual.nft", NftScript.withSkeleton(NftScript.masqueradeElements(ID, DUAL)));
  }

  @Test
  void hostPortsDualStack() {
    GOLDEN.check("nft-hostports-dual.nft", NftScript.withSkeleton(NftScript.hostPortElements(ID, MAPPINGS, DUAL)));
  }

  @Test
  void hostPortsV4Only() {
    GOLDEN.check("nft-hostports-v4.nft", NftScript.withSkeleton(NftScript.hostPortElements(ID, MAPPINGS, List.of(IpPrefix.parse("10.244.1.5/24")))));
  }

  @Test
  void deleteElementsGroupsBySet() {
    String s = NftScript.deleteElements(List.of(
        new Element("masq_sources_v4", "10.244.1.5", "c"),
        new Element("masq_exempt_v4", "10.244.1.5 . 10.244.1.0/24", "c"),
        new Element("masq_sources_v4", "10.244.1.6", "c")));
    assertEquals("""
        delete element inet weft_cni_nat masq_sources_v4 { 10.244.1.5, 10.244.1.6 }
        delete element inet weft_cni_nat masq_exempt_v4 { 10.244.1.5 . 10.244.1.0/24 }
        """, s);
  }

  @Test
  void parsesElementsFromNftJson() throws IOException {
    List<Element> e = NftElements.parse(Files.readString(Path.of("src/test/resources/nft-list-table.json")));
    assertEquals(List.of(
        new Element("masq_sources_v4", "10.244.1.5", "net=mynet id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef if=eth0"),
        new Element("masq_exempt_v4", "10.244.1.5 . 10.244.1.0/24", "net=mynet id=abc if=eth0"),
        new Element("hostport_any_v4", "tcp . 8080", "net=mynet id=abc if=eth0"),
        new Element("hostport_on_ip_v4", "192.168.1.1 . udp . 53", "net=mynet id=abc if=eth0"),
        new Element("hostport_masq_v4", "10.244.1.0/24 . 10.244.1.5", "x"),
        new Element("hostport_masq_v4", "127.0.0.0/8 . 10.244.1.5", null)), e);
  }

  @Test
  void elementScriptsAreTheAddScriptsWithoutTheSkeleton() {
    assertEquals(NftScript.skeleton() + NftScript.masqueradeElements(ID, DUAL), NftScript.withSkeleton(NftScript.masqueradeElements(ID, DUAL)));
    assertEquals(NftScript.skeleton() + NftScript.hostPortElements(ID, MAPPINGS, DUAL), NftScript.withSkeleton(NftScript.hostPortElements(ID, MAPPINGS, DUAL)));
    for (String line : NftScript.masqueradeElements(ID, DUAL).split("\n")) org.junit.jupiter.api.Assertions.assertTrue(line.startsWith("add element "), line);
    assertEquals("", NftScript.hostPortElements(ID, List.of(), DUAL));
  }
}
