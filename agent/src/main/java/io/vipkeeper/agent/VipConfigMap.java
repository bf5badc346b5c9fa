package io.vipkeeper.agent;

import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.VipConfigMapCodec;

/**
 * The VIP ConfigMap as the agent keeps it: its entries parsed (the refused ones with their reasons), the pools'
 * placements of its {@code vipkeeper.io/pool-placement} annotation ({@link PoolPlacements#NONE} and the reason in
 * {@code placementRefusal} when it does not parse) and its uid, so Events land on that very object
 * ({@code kubectl describe} matches Events by uid).
 */
record VipConfigMap(String uid, VipConfigMapCodec.Decoded table, PoolPlacements placements, String placementRefusal) {

    /** No ConfigMap (yet): an empty VIP table, so keepalived runs no instance and holds nothing. */
    static final VipConfigMap ABSENT = new VipConfigMap(null, VipConfigMapCodec.decode(null));

    VipConfigMap(String uid, VipConfigMapCodec.Decoded table) {
        this(uid, table, PoolPlacements.NONE, null);
    }
}
