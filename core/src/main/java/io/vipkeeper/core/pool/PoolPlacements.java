package io.vipkeeper.core.pool;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The placements the controller published: the placement of a VIP (its pool's), or the default when no pool says. */
public record PoolPlacements(List<PoolPlacement> placements) {

    public static final PoolPlacements NONE = new PoolPlacements(List.of());

    public PoolPlacements {
        placements = List.copyOf(placements);
    }

    /** The published placement of the pool that contains {@code vip}, if any. */
    public Optional<PoolPlacement> of(IpAddress vip) {
        for (PoolPlacement p : placements) {
            if (p.contains(vip)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public Announce announce(IpAddress vip) {
        return of(vip).map(PoolPlacement::announce).orElse(Announce.VRRP);
    }

    /** Whether a node with {@code nodeLabels} may hold or announce {@code vip}. */
    public boolean allowsNode(IpAddress vip, Map<String, String> nodeLabels) {
        return of(vip).flatMap(PoolPlacement::nodes).map(s -> s.matches(nodeLabels)).orElse(true);
    }
}
