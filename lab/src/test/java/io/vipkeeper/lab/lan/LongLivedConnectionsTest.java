package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.LongLivedConnections.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which stalls count as the failover's: those overlapping the window from the action. */
class LongLivedConnectionsTest {

    static final long CUT = 1_000_000_000_000L; // epoch µs of the action

    static Stall at(long fromMs, long ms) {
        return new Stall(CUT + fromMs * 1000, ms);
    }

    @Test
    void onlyStallsOverlappingTheWindowCountAndTheLongestOutsideIsKeptWithItsTime() {
        // the client's warm-up before the action, one at the failover, the restarted agent's start seconds later
        Result r = new Result(1, "alive", 700, 500, List.of(at(-2800, 700), at(40, 90), at(8000, 300)));
        assertThat(r.longestStallMs(CUT, CUT + 3_000_000)).isEqualTo(90);
        assertThat(r.longestStallOutside(CUT, CUT + 3_000_000)).contains(at(-2800, 700));
    }

    @Test
    void aStallThatBeganBeforeTheActionAndLastedIntoItCountsAndSoDoesOneBeginningAtTheWindowsEnd() {
        Result r = new Result(1, "alive", 400, 500, List.of(at(-100, 400)));
        assertThat(r.longestStallMs(CUT, CUT + 3_000_000)).isEqualTo(400);
        assertThat(r.longestStallOutside(CUT, CUT + 3_000_000)).isEmpty();
        assertThat(new Result(2, "alive", 60, 500, List.of(at(3000, 60))).longestStallMs(CUT, CUT + 3_000_000)).isEqualTo(60);
    }

    @Test
    void noStallIsZero() {
        assertThat(new Result(1, "alive", 30, 500, List.of()).longestStallMs(CUT, CUT + 3_000_000)).isZero();
    }
}
