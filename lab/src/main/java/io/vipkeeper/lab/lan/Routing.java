package io.vipkeeper.lab.lan;

/**
 * How the lab's nodes announce their VIPs: VRRP on the LAN (the default), or BGP to the lab's router {@code vk-router}
 * (FRR), with BFD (100 ms x 3) or with the BGP hold time only (3 s; for comparison).
 */
public enum Routing {
    VRRP("vrrp"), BGP("bgp"), BGP_NO_BFD("bgp-no-bfd");

    private final String text;

    Routing(String text) {
        this.text = text;
    }

    public boolean bgp() {
        return this != VRRP;
    }

    public boolean bfd() {
        return this == BGP;
    }

    /** What {@code lab.properties} and {@code lab run --routing} hold. */
    public String text() {
        return text;
    }

    /** The text of {@link #text()}; VRRP for anything else (a lab recorded before BGP mode). */
    public static Routing parse(String text) {
        for (Routing r : values()) {
            if (r.text.equals(text)) {
                return r;
            }
        }
        return VRRP;
    }
}
