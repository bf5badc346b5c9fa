package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/**
 * The VRRP advertisement interval in centiseconds. VRRPv3 (RFC 5798) counts in centiseconds (0.01-40.95 s);
 * VRRPv2 only in whole seconds (1-255), which {@link AgentSettings} enforces.
 */
public record AdvertInterval(int centis) {

    /**
     * The default for VRRPv3: 0.1 s. A backup takes over after 3 missed adverts plus a skew of at most one advert,
     * so failover takes about 0.3-0.4 s (measured on these machines: 0.35 s with the master's link down), against
     * 3-4 s with the seed's 1 s. The price is 10 small multicast packets per second per instance, and a master
     * stalled for more than ~0.3 s (heavy swapping) loses its VIP; raise it on such nodes.
     */
    public static final AdvertInterval DEFAULT_V3 = new AdvertInterval(10);
    /** VRRPv2 cannot go below a second. */
    public static final AdvertInterval DEFAULT_V2 = new AdvertInterval(100);

    public AdvertInterval {
        if (centis < 1 || centis > 4095) {
            throw new InvalidInputException("advert interval " + format(centis) + " s is outside 0.01-40.95 s");
        }
    }

    /** Parses seconds with at most two decimals: {@code 1}, {@code 0.1}, {@code 0.25}. */
    public static AdvertInterval parse(String text) {
        if (text == null || !text.matches("[0-9]{1,2}(\\.[0-9]{1,2})?")) {
            throw new InvalidInputException("not an advert interval: " + InvalidInputException.quote(text)
                    + " (seconds with at most two decimals, e.g. 0.1 or 1)");
        }
        int dot = text.indexOf('.');
        int whole = Integer.parseInt(dot < 0 ? text : text.substring(0, dot));
        int frac = 0;
        if (dot >= 0) {
            String f = text.substring(dot + 1);
            frac = Integer.parseInt(f.length() == 1 ? f + "0" : f);
        }
        return new AdvertInterval(whole * 100 + frac);
    }

    public boolean wholeSeconds() {
        return centis % 100 == 0;
    }

    /** keepalived's spelling: {@code 1}, {@code 0.1}, {@code 0.05}, {@code 1.5}. */
    @Override
    public String toString() {
        return format(centis);
    }

    private static String format(int c) {
        if (c % 100 == 0) {
            return Integer.toString(c / 100);
        }
        String frac = c % 10 == 0 ? Integer.toString((c % 100) / 10) : String.format("%02d", c % 100);
        return (c / 100) + "." + frac;
    }
}
