package io.vipkeeper.core.bgp;

import io.vipkeeper.core.InvalidInputException;
import java.time.Duration;

/** Bidirectional Forwarding Detection on a BGP session: off, or on with its interval and detect multiplier. */
public sealed interface Bfd permits Bfd.Off, Bfd.On {

    Duration MIN_INTERVAL = Duration.ofMillis(10);
    Duration MAX_INTERVAL = Duration.ofSeconds(60);
    /** 100 ms x 3: a dead peer is found in 0.3 s (measured in docs/design/bgp: route gone from the router in ~0.45 s). */
    On DEFAULT = new On(Duration.ofMillis(100), 3);
    Off OFF = new Off();

    record Off() implements Bfd {
    }

    /** {@code interval}: both the minimum receive and transmit interval, whole milliseconds. */
    record On(Duration interval, int multiplier) implements Bfd {
        public On {
            if (interval == null || interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0
                    || interval.toNanos() % 1_000_000 != 0) {
                throw new InvalidInputException("BFD interval " + interval + " is not whole milliseconds from "
                        + MIN_INTERVAL.toMillis() + " ms to " + MAX_INTERVAL.toSeconds() + " s");
            }
            if (multiplier < 1 || multiplier > 255) {
                throw new InvalidInputException("BFD multiplier " + multiplier + " is outside 1..255");
            }
        }
    }
}
