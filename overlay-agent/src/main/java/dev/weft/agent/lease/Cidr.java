package dev.weft.agent.lease;

import java.util.ArrayList;
import java.util.List;

/** An IPv4 network (address with host bits zero, prefix length). */
public record Cidr(int network, int prefixLength) implements Comparable<Cidr> {
    public Cidr {
        if (prefixLength < 0 || prefixLength > 32) throw new IllegalArgumentException("prefix length " + prefixLength + " not in 0..32");
        if ((network & ~mask(prefixLength)) != 0)
            throw new IllegalArgumentException(format(network) + "/" + prefixLength + " has host bits set");
    }

    /** "10.244.0.0/16" */
    public static Cidr parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("not a CIDR: '" + text + "' (expected e.g. 10.244.0.0/16)");
        return new Cidr(parseAddress(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
    }

    /** The name used for lease records, flannel style: "10.244.3.0-24". */
    public String objectName() { return address() + "-" + prefixLength; }

    public static Cidr fromObjectName(String name) { return parse(name.replace('-', '/')); }

    /** The network address, "10.244.3.0". */
    public String address() { return format(network); }

    public boolean contains(Cidr other) {
        return other.prefixLength >= prefixLength && (other.network & mask(prefixLength)) == network;
    }

    /** Every subnet of the given length, in address order. */
    public List<Cidr> subnets(int length) {
        if (length < prefixLength || length > 32)
            throw new IllegalArgumentException("cannot split " + this + " into /" + length + " subnets");
        if (length - prefixLength > 16) throw new IllegalArgumentException(this + " into /" + length + ": more than 65536 subnets");
        int count = 1 << (length - prefixLength);
        List<Cidr> out = new ArrayList<>(count);
        long step = 1L << (32 - length);
        for (int i = 0; i < count; i++) out.add(new Cidr((int) (Integer.toUnsignedLong(network) + i * step), length));
        return out;
    }

    @Override public int compareTo(Cidr o) {
        int c = Integer.compareUnsigned(network, o.network);
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override public String toString() { return address() + "/" + prefixLength; }

    /** The kernel layer's form of this network. */
    public dev.weft.kernel.IpPrefix toIpPrefix() { return dev.weft.kernel.IpPrefix.parse(toString()); }

    private static int mask(int length) { return length == 0 ? 0 : -1 << (32 - length); }

    static int parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        int value = 0;
        for (String part : parts) {
            int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            if (octet < 0 || octet > 255 || part.isEmpty()) throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            value = value << 8 | octet;
        }
        return value;
    }

    static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
    }
}
