/**
 * The iptables backend of the service proxy: kube-proxy's chain layout with weft names
 * ({@code WEFT-SERVICES}, {@code WEFT-SVC-…}, {@code WEFT-SEP-…}, …). {@link
 * dev.weft.proxy.iptables.IptablesRuleset} turns a model into {@code iptables-restore} text (a pure
 * function, golden-tested); {@link dev.weft.proxy.iptables.IptablesProxyBackend} applies it with one
 * {@code iptables-restore --noflush} per sync, partial after the first.
 */
package dev.weft.proxy.iptables;
