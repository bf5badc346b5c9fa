package io.vipkeeper.dns;

import java.time.Duration;

/**
 * How long to stop accepting after an accept failed: {@code min}, doubling with each failure in a row up to {@code max},
 * back to {@code min} after an accept succeeds. Bounded both ways: a lasting shortage of file descriptors costs a few
 * wake-ups a second, and a short one delays new clients by at most {@code max}.
 */
final class AcceptBackoff {

    private final Duration min;
    private final Duration max;
    private Duration next;

    AcceptBackoff(Duration min, Duration max) {
        if (min.isZero() || min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff bounds " + min + ", " + max);
        }
        this.min = min;
        this.max = max;
        this.next = min;
    }

    /** An accept failed: the pause to take now. */
    Duration failed() {
        Duration now = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return now;
    }

    void succeeded() {
        next = min;
    }
}
