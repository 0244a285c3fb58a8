package dev.weft.proxy.model;

import java.net.InetAddress;

/**
 * One backend of a Service port (from an EndpointSlice, with the target port already resolved:
 * named target ports are resolved by the slice's port of the same name).
 *
 * @param nodeName where the endpoint runs (for Local policies); null when unknown
 * @param ready EndpointConditions.ready
 * @param serving EndpointConditions.serving (ready, or terminating but still able to serve)
 * @param terminating EndpointConditions.terminating
 */
public record Endpoint(InetAddress ip, int port, String nodeName, boolean ready, boolean serving, boolean terminating) {}
