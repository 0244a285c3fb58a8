package dev.weft.agent.lease;

/** One node's pod subnet, as every node sees it: who holds it and how to reach it. */
public record SubnetLease(String nodeName, Cidr subnet, NodeIdentity identity) {}
