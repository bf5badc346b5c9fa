package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * A VIP this node may hold, with what it forwards. {@code localOnly}: externalTrafficPolicy Local in per-vip
 * mode, so only a node with a local ready endpoint may hold it, and only local endpoints are backends.
 */
public record ResolvedVip(IpAddress vip, List<ResolvedPort> ports, boolean localOnly) implements Comparable<ResolvedVip> {

    public ResolvedVip {
        ports = ports.stream().sorted().toList();
    }

    @Override
    public int compareTo(ResolvedVip o) {
        return vip.compareTo(o.vip);
    }
}
