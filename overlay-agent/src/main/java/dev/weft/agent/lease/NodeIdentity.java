package dev.weft.agent.lease;

import java.util.Locale;
import java.util.regex.Pattern;

/** What other nodes need to reach this node's pods over the overlay: its underlay IP and its VTEP's MAC. */
public record NodeIdentity(String underlayIp, String vtepMac) {
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    public NodeIdentity {
        Cidr.parseAddress(underlayIp);
        vtepMac = vtepMac == null ? null : vtepMac.toLowerCase(Locale.ROOT);
        if (vtepMac == null || !MAC.matcher(vtepMac).matches()) throw new IllegalArgumentException("not a MAC address: '" + vtepMac + "'");
    }
}
