package dev.weft.lab.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestReaderTest {
  @Test
  void documentsListsAndJson() {
    var s = ManifestReader.services("""
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        spec: {ports: [{port: 80}]}
        ---
        # an empty document
        ---
        apiVersion: v1
        kind: List
        items:
        - {apiVersion: v1, kind: Service, metadata: {name: b}}
        - apiVersion: v1
          kind: ServiceList
          items: [{apiVersion: v1, kind: Service, metadata: {name: c, namespace: kube-system}}]
        """, "f.yaml");
    assertEquals(List.of("a", "b", "c"), s.stream().map(x -> x.getMetadata().getName()).toList());
    assertEquals("kube-system", s.get(2).getMetadata().getNamespace());
    assertEquals(80, s.getFirst().getSpec().getPorts().getFirst().getPort());
    assertEquals("j", ManifestReader.services("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"j\"}}", "j.json").getFirst().getMetadata().getName());
  }

  @Test
  void otherKindsAndBrokenInputAreNamed() {
    assertEquals("f.yaml: document 2: kind ConfigMap (v1) is not supported: weft apply takes kind Service, or a List of them",
        assertThrows(ServiceRejectedException.class, () -> ManifestReader.services("""
            apiVersion: v1
            kind: Service
            metadata: {name: a}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            """, "f.yaml")).getMessage());
    assertEquals("f.yaml: document 1, item 1: kind Pod (v1) is not supported: weft apply takes kind Service, or a List of them",
        assertThrows(ServiceRejectedException.class, () -> ManifestReader.services("""
            apiVersion: v1
            kind: List
            items: [{apiVersion: v1, kind: Service, metadata: {name: a}}, {apiVersion: v1, kind: Pod, metadata: {name: p}}]
            """, "f.yaml")).getMessage());
    assertEquals("f.yaml: document 1: Service has no metadata.name",
        assertThrows(ServiceRejectedException.class, () -> ManifestReader.services("apiVersion: v1\nkind: Service\n", "f.yaml")).getMessage());
    assertEquals("f.yaml: no Service in it", assertThrows(ServiceRejectedException.class, () -> ManifestReader.services("", "f.yaml")).getMessage());
    String broken = assertThrows(ServiceRejectedException.class, () -> ManifestReader.services("kind: [", "f.yaml")).getMessage();
    assertEquals(true, broken.startsWith("f.yaml: not valid YAML or JSON: "), broken);
  }

  @Test
  void validationMessages() {
    ServiceRanges r = ServiceRanges.defaults();
    var svc = ManifestReader.services("""
        apiVersion: v1
        kind: Service
        metadata: {name: Bad_Name, namespace: default}
        spec:
          type: ClusterIP
          externalTrafficPolicy: Local
          ports: [{port: 80, nodePort: 30001}, {port: 70000}]
        """, "f").getFirst();
    String m = assertThrows(ServiceRejectedException.class, () -> ServiceValidator.validateAndDefault(svc, r)).getMessage();
    for (String part : List.of("metadata.name: Invalid value: \"Bad_Name\"", "spec.ports[0].name: Required value",
        "spec.ports[1].port: Invalid value: 70000", "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
        "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set for externally-accessible services"))
      assertEquals(true, m.contains(part), m);
  }

  @Test
  void loadBalancerSourceRangesAreCidrsOnLoadBalancers() {
    ServiceRanges r = ServiceRanges.defaults();
    var lb = ManifestReader.services("""
        apiVersion: v1
        kind: Service
        metadata: {name: lb, namespace: default}
        spec:
          type: LoadBalancer
          loadBalancerSourceRanges: [192.0.2.0/24, 10.1.2.3/8, "2001:db8::/32", banana, 10.0.0.0/33, 10.0.0.0]
          ports: [{port: 80}]
        """, "f").getFirst();
    String m = assertThrows(ServiceRejectedException.class, () -> ServiceValidator.validateAndDefault(lb, r)).getMessage();
    for (String part : List.of("spec.loadBalancerSourceRanges[3]: Invalid value: \"banana\"", "spec.loadBalancerSourceRanges[4]: Invalid value: \"10.0.0.0/33\"",
        "spec.loadBalancerSourceRanges[5]: Invalid value: \"10.0.0.0\""))
      assertEquals(true, m.contains(part), m);
    for (String ok : List.of("[0]", "[1]", "[2]")) assertEquals(false, m.contains("loadBalancerSourceRanges" + ok), m);
    var cip = ManifestReader.services("""
        apiVersion: v1
        kind: Service
        metadata: {name: cip, namespace: default}
        spec:
          loadBalancerSourceRanges: [192.0.2.0/24]
          ports: [{port: 80}]
        """, "f").getFirst();
    assertEquals(true, assertThrows(ServiceRejectedException.class, () -> ServiceValidator.validateAndDefault(cip, r)).getMessage()
        .contains("spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"));
  }
}
