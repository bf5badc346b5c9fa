package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;

/** The IPVS schedulers keepalived accepts for {@code lvs_sched}. */
public enum LvsScheduler {
    rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq, mh;

    public static LvsScheduler parse(String text) {
        for (LvsScheduler s : values()) {
            if (s.name().equals(text)) {
                return s;
            }
        }
        throw new InvalidInputException("unknown IPVS scheduler " + InvalidInputException.quote(text)
                + " (rr, wrr, lc, wlc, lblc, lblcr, sh, dh, sed, nq or mh)");
    }
}
