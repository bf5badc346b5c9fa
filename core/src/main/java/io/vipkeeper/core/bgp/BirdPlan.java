package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What BIRD on this node is told: its router id, the peers this node sessions with, the VIPs it announces now, and
 * the prefixes announcements must fall in (the export filters' second fence: a host route outside them is never
 * sent, whatever the static set holds). Rendered by {@link io.vipkeeper.core.render.BirdConfig}.
 */
public record BirdPlan(IpAddress routerId, List<BgpPeer> peers, List<BgpVip> vips, List<Cidr> allowed) {

    public BirdPlan {
        Objects.requireNonNull(routerId, "routerId");
        if (!routerId.isIpv4() || routerId.isZero()) {
            throw new InvalidInputException("BGP router id " + routerId + " is not a non-zero IPv4 address (--bgp-router-id)");
        }
        peers = peers.stream().sorted(Comparator.comparing(BgpPeer::address).thenComparingInt(BgpPeer::port)).toList();
        Set<String> names = new HashSet<>();
        for (BgpPeer p : peers) {
            if (!names.add(p.name())) {
                throw new InvalidInputException("BGP peer " + p.address() + " port " + p.port() + " is given twice");
            }
        }
        vips = vips.stream().sorted().distinct().toList();
        Set<IpAddress> seen = new HashSet<>();
        for (BgpVip v : vips) {
            if (!seen.add(v.address())) {
                throw new InvalidInputException("VIP " + v.address() + " is announced twice with different attributes");
            }
        }
        allowed = allowed.stream().distinct().sorted(Comparator.comparing(Cidr::network).thenComparingInt(Cidr::prefix)).toList();
    }

    public List<BgpVip> vips(IpFamily f) {
        return vips.stream().filter(v -> v.address().family() == f).toList();
    }

    public List<Cidr> allowed(IpFamily f) {
        return allowed.stream().filter(c -> c.family() == f).toList();
    }

    /** The fewest CIDRs covering exactly {@code range} (at most 2 per bit of the address). */
    public static List<Cidr> cidrs(IpRange range) {
        List<Cidr> out = new ArrayList<>();
        IpAddress start = range.first();
        int bits = start.family().bits();
        while (true) {
            int prefix = bits;
            while (prefix > 0 && start.mask(prefix - 1).equals(start) && start.fill(prefix - 1).compareTo(range.last()) <= 0) {
                prefix--;
            }
            out.add(new Cidr(start, prefix));
            IpAddress end = start.fill(prefix);
            if (end.compareTo(range.last()) >= 0 || end.isMax()) {
                return out;
            }
            start = end.next();
        }
    }
}
