package io.vipkeeper.core.viptable;

import io.vipkeeper.core.InvalidInputException;

/**
 * How a node forwards a VIP's traffic (kube-keepalived-vip's methods): {@code NAT} (the default: the node
 * rewrites the destination), {@code DR} (direct routing: backends answer the client themselves) and
 * {@code PROXY} (haproxy in front, sending the PROXY protocol header).
 */
public enum ForwardMethod {
    NAT, DR, PROXY;

    /** Parses exactly NAT, DR or PROXY (the seed's regex also took any string containing them). */
    public static ForwardMethod parse(String text) {
        for (ForwardMethod m : values()) {
            if (m.name().equals(text)) {
                return m;
            }
        }
        throw new InvalidInputException("unknown forward method " + InvalidInputException.quote(text) + " (NAT, DR or PROXY)");
    }
}
