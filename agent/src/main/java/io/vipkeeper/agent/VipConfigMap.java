package io.vipkeeper.agent;

import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.VipConfigMapCodec;

/**
 * The VIP ConfigMap as the agent keeps it: its entries parsed (the refused ones with their reasons), its uid, so
 * Events land on that very object ({@code kubectl describe} matches Events by uid), and the pool placements of its
 * {@code vipkeeper.io/pool-placement} annotation ({@code placementError}: why that annotation was refused, or null).
 */
record VipConfigMap(String uid, VipConfigMapCodec.Decoded table, PoolPlacements placements, String placementError) {

    /** No ConfigMap (yet): an empty VIP table, so keepalived runs no instance and holds nothing. */
    static final VipConfigMap ABSENT = new VipConfigMap(null, VipConfigMapCodec.decode(null));

    VipConfigMap(String uid, VipConfigMapCodec.Decoded table) {
        this(uid, table, PoolPlacements.NONE, null);
    }
}
