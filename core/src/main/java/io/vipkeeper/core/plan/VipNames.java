package io.vipkeeper.core.plan;

import io.vipkeeper.core.net.IpAddress;

/** Identifiers derived from a parsed address only (never from API text): {@code 192_0_2_10}, {@code 2001_db8__10}. */
public final class VipNames {

    private VipNames() {
    }

    public static String key(IpAddress vip) {
        return vip.toString().replace('.', '_').replace(':', '_');
    }
}
