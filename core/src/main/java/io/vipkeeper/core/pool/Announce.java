package io.vipkeeper.core.pool;

import io.vipkeeper.core.InvalidInputException;

/** How a pool's VIPs reach the network: held by one node with VRRP on an L2 segment, or announced by BGP to routers. */
public enum Announce {
    VRRP("vrrp"), BGP("bgp");

    private final String text;

    Announce(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Announce parse(String text) {
        for (Announce a : values()) {
            if (a.text.equals(text)) {
                return a;
            }
        }
        throw new InvalidInputException("not an announcement mode: " + InvalidInputException.quote(text) + " (vrrp or bgp)");
    }
}
