package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/**
 * How quickly a backup takes a VIP over ({@code --failover-profile}): the VRRPv3 advert interval it implies. A backup
 * declares the master dead after 3 adverts plus its skew ({@code (256 - priority) / 256} of an advert, ~0.2 of one at
 * the agent's priorities 198-202), so failover takes ~3.2 adverts plus the ARP update. An explicit
 * {@code --advert-interval} wins over the profile.
 */
public enum FailoverProfile {
    /** 0.1 s adverts: failover in ~0.26 s (measured), 10 packets/s per instance. */
    DEFAULT("default", AdvertInterval.DEFAULT_V3),
    /**
     * 0.03 s adverts: 3 adverts + skew = ~96 ms before a backup takes over, 33 packets/s per instance (~0.14% of a core
     * each, measured). Measured end to end in the lab (docs/benchmarks.md) within the target (median <= 150 ms, max
     * <= 250 ms) with margin; a shorter interval would leave a stalled master even less than 90 ms, for little gain
     * against the ARP update and the probe's own period. Meant for nodes where keepalived's VRRP process runs real-time.
     */
    FAST("fast", new AdvertInterval(3));

    private final String flag;
    private final AdvertInterval advertInterval;

    FailoverProfile(String flag, AdvertInterval advertInterval) {
        this.flag = flag;
        this.advertInterval = advertInterval;
    }

    public String flag() {
        return flag;
    }

    /** The VRRPv3 advert interval of this profile. */
    public AdvertInterval advertInterval() {
        return advertInterval;
    }

    public static FailoverProfile parse(String text) {
        for (FailoverProfile p : values()) {
            if (p.flag.equals(text)) {
                return p;
            }
        }
        throw new InvalidInputException("unknown failover profile " + InvalidInputException.quote(text) + " (default or fast)");
    }
}
