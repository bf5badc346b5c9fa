package io.vipkeeper.core.viptable;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * One VIP: the address and the Services behind it (sorted). No target means VIP-only: the address is held by a
 * node and nothing is forwarded (seed 002's {@code 172.16.40.33: ''} for an ingress controller).
 */
public record VipEntry(IpAddress vip, List<VipTarget> targets) {

    public VipEntry {
        targets = targets.stream().sorted().distinct().toList();
    }

    public boolean vipOnly() {
        return targets.isEmpty();
    }
}
