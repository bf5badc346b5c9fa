package io.vipkeeper.core.plan;

import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.BgpCommunity;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A VIP this node announces by BGP (its pool's placement says {@code announce: bgp} and its nodeSelector, if any,
 * matches this node): no VRRP instance holds it; its data plane (nft, haproxy, virtual_server) is planned as for a
 * VRRP VIP. {@code localPref} is null when the pool sets none.
 */
public record BgpVip(IpAddress vip, String pool, List<BgpCommunity> communities, Long localPref) implements Comparable<BgpVip> {

    public BgpVip {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(pool, "pool");
        communities = List.copyOf(communities);
    }

    public Optional<Long> localPreference() {
        return Optional.ofNullable(localPref);
    }

    @Override
    public int compareTo(BgpVip o) {
        return vip.compareTo(o.vip);
    }
}
