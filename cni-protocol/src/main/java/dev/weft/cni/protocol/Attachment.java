package dev.weft.cni.protocol;

/** One container attachment: a container ID plus the interface name inside it. */
public record Attachment(String containerId, String ifname) {}
