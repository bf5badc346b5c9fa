package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/** {@code single}: one VRRP instance holds every VIP (the seed). {@code per-vip}: one instance per VIP. */
public enum InstanceMode {
    SINGLE("single"), PER_VIP("per-vip");

    private final String flag;

    InstanceMode(String flag) {
        this.flag = flag;
    }

    public String flag() {
        return flag;
    }

    public static InstanceMode parse(String text) {
        for (InstanceMode m : values()) {
            if (m.flag.equals(text)) {
                return m;
            }
        }
        throw new InvalidInputException("unknown VRRP instance mode " + InvalidInputException.quote(text)
                + " (single or per-vip)");
    }
}
