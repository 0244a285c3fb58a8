package dev.weft.proxy;

import dev.weft.proxy.model.Endpoint;
import dev.weft.proxy.model.ServicePortName;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one sync did.
 *
 * @param full a full ruleset was written (else only changed services)
 * @param servicesWritten service ports whose rules were (re)written
 * @param rulesWritten rules plus set/map elements in the transaction
 * @param removedUdpEndpoints UDP endpoints that disappeared per service port: their conntrack entries
 *     must be cleared, or clients keep sending to a dead backend
 */
public record SyncResult(boolean full, int servicesWritten, int rulesWritten, Duration duration,
    Map<ServicePortName, List<Endpoint>> removedUdpEndpoints) {}
