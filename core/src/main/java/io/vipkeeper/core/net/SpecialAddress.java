package io.vipkeeper.core.net;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Addresses that are never a Service's to hold, whatever a tenant asks for: holding one would answer ARP/NDP for it
 * on the LAN, route it into the node itself, or break the node (a VIP of 0.0.0.0 makes keepalived hold "any").
 * The controller refuses them as requests, the agent as VIP table entries and endpoints, {@code dns publish} as
 * records. The addresses of Nodes are refused too, by whoever knows the Nodes (see {@link #refusal(IpAddress, Map)}).
 */
public enum SpecialAddress {
    UNSPECIFIED("the unspecified address"),
    THIS_NETWORK("in 0.0.0.0/8 (\"this network\")"),
    LOOPBACK("a loopback address"),
    LINK_LOCAL("a link-local address"),
    MULTICAST("a multicast address"),
    BROADCAST("the broadcast address"),
    RESERVED("in the reserved range 240.0.0.0/4"),
    IPV4_MAPPED("an IPv4-mapped IPv6 address (use the IPv4 address itself)");

    private static final Cidr V4_THIS_NETWORK = Cidr.parse("0.0.0.0/8");
    private static final Cidr V4_LOOPBACK = Cidr.parse("127.0.0.0/8");
    private static final Cidr V4_LINK_LOCAL = Cidr.parse("169.254.0.0/16");
    private static final Cidr V4_MULTICAST = Cidr.parse("224.0.0.0/4");
    private static final Cidr V4_RESERVED = Cidr.parse("240.0.0.0/4");
    private static final IpAddress V4_BROADCAST = IpAddress.parse("255.255.255.255");
    private static final IpAddress V6_LOOPBACK = IpAddress.parse("::1");
    private static final Cidr V6_LINK_LOCAL = Cidr.parse("fe80::/10");
    private static final Cidr V6_MULTICAST = Cidr.parse("ff00::/8");
    private static final Cidr V6_MAPPED = Cidr.parse("::ffff:0:0/96");

    private final String text;

    SpecialAddress(String text) {
        this.text = text;
    }

    /** What the address is, in words for an event ("a loopback address"). */
    public String text() {
        return text;
    }

    /** The special purpose of {@code a}, or empty when a Service may hold it. */
    public static Optional<SpecialAddress> of(IpAddress a) {
        if (a.isZero()) {
            return Optional.of(UNSPECIFIED);
        }
        if (a.isIpv4()) {
            if (a.equals(V4_BROADCAST)) {
                return Optional.of(BROADCAST);
            }
            for (var c : List.of(V4_THIS_NETWORK, V4_LOOPBACK, V4_LINK_LOCAL, V4_MULTICAST, V4_RESERVED)) {
                if (c.contains(a)) {
                    return Optional.of(c == V4_THIS_NETWORK ? THIS_NETWORK : c == V4_LOOPBACK ? LOOPBACK
                            : c == V4_LINK_LOCAL ? LINK_LOCAL : c == V4_MULTICAST ? MULTICAST : RESERVED);
                }
            }
            return Optional.empty();
        }
        if (a.equals(V6_LOOPBACK)) {
            return Optional.of(LOOPBACK);
        }
        if (V6_LINK_LOCAL.contains(a)) {
            return Optional.of(LINK_LOCAL);
        }
        if (V6_MULTICAST.contains(a)) {
            return Optional.of(MULTICAST);
        }
        if (V6_MAPPED.contains(a)) {
            return Optional.of(IPV4_MAPPED);
        }
        return Optional.empty();
    }

    /** Why no Service may hold {@code a} ("127.0.0.1 is a loopback address"), or empty. */
    public static Optional<String> refusal(IpAddress a) {
        return of(a).map(s -> a + " is " + s.text());
    }

    /**
     * As {@link #refusal(IpAddress)}, and also refuses the addresses of Nodes ({@code nodeAddresses}: address → Node
     * name): a VIP on a node's own address would take that node's traffic.
     */
    public static Optional<String> refusal(IpAddress a, Map<IpAddress, String> nodeAddresses) {
        Optional<String> special = refusal(a);
        if (special.isPresent()) {
            return special;
        }
        String node = nodeAddresses.get(a);
        return node == null ? Optional.empty() : Optional.of(a + " is the address of Node " + node);
    }
}
