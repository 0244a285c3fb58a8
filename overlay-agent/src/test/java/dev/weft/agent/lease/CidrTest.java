package dev.weft.agent.lease;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void parsesSplitsAndNamesSubnets() {
        Cidr cluster = Cidr.parse("10.244.0.0/20");
        var subnets = cluster.subnets(24);
        assertEquals(16, subnets.size());
        assertEquals("10.244.0.0/24", subnets.getFirst().toString());
        assertEquals("10.244.15.0/24", subnets.getLast().toString());
        assertEquals("10.244.3.0-24", subnets.get(3).objectName());
        assertEquals(subnets.get(3), Cidr.fromObjectName("10.244.3.0-24"));
        assertTrue(cluster.contains(subnets.get(15)));
        assertFalse(cluster.contains(Cidr.parse("10.244.16.0/24")));
        assertEquals(2, Cidr.parse("255.255.255.0/24").subnets(25).size());
        assertEquals("255.255.255.128/25", Cidr.parse("255.255.255.0/24").subnets(25).get(1).toString());
    }

    @Test
    void rejectsMalformedInput() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.0.1/16"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.0.0"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.256.0.0/16"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.0.0/16").subnets(8));
        assertThrows(IllegalArgumentException.class, () -> new NodeIdentity("10.0.0.1", "not-a-mac"));
        assertThrows(IllegalArgumentException.class, () -> new NodeIdentity("10.0.0", "02:00:00:00:00:01"));
    }
}
