package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import java.util.List;
import java.util.Optional;

/**
 * Where a pool's VIPs live, as the agents need it: the pool's ranges (to find a VIP's pool), how they are announced,
 * on which interface ({@code null}: the agent's {@code --iface}), on which nodes ({@code null}: all) and, for BGP, the
 * communities and local preference ({@code null}: none) to attach. The controller publishes these on the VIP
 * ConfigMap ({@code vipkeeper.io/pool-placement}, {@link io.vipkeeper.core.viptable.PoolPlacementCodec}).
 */
public record PoolPlacement(String pool, List<IpRange> ranges, Announce announce, InterfaceName iface,
        LabelSelector nodeSelector, List<BgpCommunity> communities, Long localPref) {

    public static final long MAX_LOCAL_PREF = 4_294_967_295L;

    public PoolPlacement {
        KubeNames.requirePoolName(pool);
        if (ranges.isEmpty()) {
            throw new InvalidInputException("pool " + pool + " placement has no addresses");
        }
        ranges = List.copyOf(ranges);
        if (announce == null) {
            throw new InvalidInputException("pool " + pool + " placement has no announcement mode");
        }
        if (nodeSelector != null && nodeSelector.isEmpty()) {
            nodeSelector = null;
        }
        communities = List.copyOf(communities);
        if (localPref != null && (localPref < 0 || localPref > MAX_LOCAL_PREF)) {
            throw new InvalidInputException("pool " + pool + ": localPref out of range: " + localPref + " (0.." + MAX_LOCAL_PREF + ")");
        }
    }

    /** The placement a pool gets when it says nothing: VRRP on the agent's interface, on every node. */
    public static PoolPlacement defaults(String pool, List<IpRange> ranges) {
        return new PoolPlacement(pool, ranges, Announce.VRRP, null, null, List.of(), null);
    }

    /** Whether this placement is what every VIP gets anyway (nothing to publish). */
    public boolean isDefault() {
        return announce == Announce.VRRP && iface == null && nodeSelector == null && communities.isEmpty() && localPref == null;
    }

    public boolean contains(IpAddress a) {
        for (IpRange r : ranges) {
            if (r.contains(a)) {
                return true;
            }
        }
        return false;
    }

    public Optional<InterfaceName> interfaceName() {
        return Optional.ofNullable(iface);
    }

    public Optional<LabelSelector> nodes() {
        return Optional.ofNullable(nodeSelector);
    }

    public Optional<Long> localPreference() {
        return Optional.ofNullable(localPref);
    }
}
