package dev.weft.proxy.model;

/** externalTrafficPolicy / internalTrafficPolicy: any ready endpoint, or only this node's. */
public enum TrafficPolicy { CLUSTER, LOCAL }
