package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BgpFailoverTest {

    static ProbeStream.Answer ok(long sentMs) {
        return new ProbeStream.Answer(true, sentMs * 1000, sentMs * 1000 + 2000, "hello-1", "198.51.100.11");
    }

    static ProbeStream.Answer failed(long sentMs) {
        return new ProbeStream.Answer(false, sentMs * 1000, sentMs * 1000 + 300_000, null, "timeout");
    }

    @Test
    void failoverEndsWithTheFirstRequestSentAfterTheLastFailedOne() {
        // cut at 1000 ms; requests to the dead node fail until the router drops it (~1300 ms); answers come in any order
        List<ProbeStream.Answer> a = List.of(failed(900), ok(990), ok(1010), failed(1020), ok(1030), failed(1290), ok(1300), ok(1310),
                ok(1700), ok(2000));
        BgpFailover.Outcome o = BgpFailover.analyse(a, 1_000_000, 1_800_000);
        assertThat(o.failed()).as("failures sent before the cut do not count").isEqualTo(2);
        assertThat(o.millis()).isEqualTo(300);
        assertThat(o.requests()).as("requests sent from the cut to the end of the window").isEqualTo(7);
    }

    @Test
    void noFailureIsZeroAndFailuresToTheEndAreNoRecovery() {
        assertThat(BgpFailover.analyse(List.of(ok(1100), ok(1200)), 1_000_000, 2_000_000)).isEqualTo(new BgpFailover.Outcome(0, 0, 2));
        assertThat(BgpFailover.analyse(List.of(ok(1100), failed(1900)), 1_000_000, 2_000_000).millis()).isEqualTo(-1);
    }
}
