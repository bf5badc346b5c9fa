package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.PoolPlacement;
import java.util.List;
import java.util.Objects;

/** A VIP this node announces as a host route (/32 or /128), with its pool's communities and local preference (or null). */
public record BgpVip(IpAddress address, List<BgpCommunity> communities, Long localPref) implements Comparable<BgpVip> {

    public BgpVip {
        Objects.requireNonNull(address, "address");
        communities = communities.stream().distinct().sorted((a, b) -> a.asn() != b.asn() ? Integer.compare(a.asn(), b.asn())
                : Integer.compare(a.value(), b.value())).toList();
        if (localPref != null && (localPref < 0 || localPref > PoolPlacement.MAX_LOCAL_PREF)) {
            throw new InvalidInputException("localPref out of range: " + localPref + " (0.." + PoolPlacement.MAX_LOCAL_PREF + ")");
        }
    }

    public static BgpVip plain(IpAddress address) {
        return new BgpVip(address, List.of(), null);
    }

    @Override
    public int compareTo(BgpVip o) {
        return address.compareTo(o.address);
    }
}
