package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import java.util.Locale;

/**
 * How a node forwards VIP traffic. {@code IPVS}: keepalived virtual_server blocks; {@code NFTABLES}: one nft
 * script with DNAT rules, keepalived runs VRRP only; {@code NONE}: VIPs only; {@code HAPROXY}: haproxy in front.
 */
public enum Dataplane {
    IPVS, NFTABLES, NONE, HAPROXY;

    public static Dataplane parse(String text) {
        for (Dataplane d : values()) {
            if (d.name().toLowerCase(Locale.ROOT).equals(text)) {
                return d;
            }
        }
        throw new InvalidInputException("unknown data plane " + InvalidInputException.quote(text)
                + " (ipvs, nftables, none or haproxy)");
    }

    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
