package io.vipkeeper.controller;

import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.time.Duration;
import java.util.List;

/** Everything the controller was told at start, parsed and checked. */
public record ControllerSettings(
        List<AddressPool> pools,
        String loadBalancerClass,
        boolean ignoreUnclassed,
        ForwardMethod defaultForwardMethod,
        String configMapNamespace,
        String configMapName,
        boolean leaderElect,
        String leaseNamespace,
        String identity,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        Duration batchDelay) {

    public static final String LEASE_NAME = "vipkeeper-controller";
    public static final String DEFAULT_CLASS = "vipkeeper.io/vip";

    public ControllerSettings {
        pools = List.copyOf(pools);
        AddressPool.requireDisjoint(pools);
    }
}
