package io.vipkeeper.agent;

import io.vipkeeper.core.viptable.VipConfigMapCodec;

/**
 * The VIP ConfigMap as the agent keeps it: its entries parsed (the refused ones with their reasons) and its uid, so
 * Events land on that very object ({@code kubectl describe} matches Events by uid).
 */
record VipConfigMap(String uid, VipConfigMapCodec.Decoded table) {

    /** No ConfigMap (yet): an empty VIP table, so keepalived runs no instance and holds nothing. */
    static final VipConfigMap ABSENT = new VipConfigMap(null, VipConfigMapCodec.decode(null));
}
