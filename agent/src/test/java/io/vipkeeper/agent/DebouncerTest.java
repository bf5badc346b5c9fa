package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The debouncer's timing on a fake clock: 100 ms of quiet, at most 1 s after the first request, runs ≥ 1 s apart. */
class DebouncerTest {

    final AtomicLong now = new AtomicLong(5_000_000_000L);
    final Debouncer d = new Debouncer(Duration.ofMillis(100), Duration.ofMillis(1000), now::get);

    void advanceMs(long ms) {
        now.addAndGet(ms * 1_000_000);
    }

    @Test
    void nothingRequestedNothingDue() {
        assertThat(d.pending()).isFalse();
        advanceMs(10_000);
        assertThat(d.takeIfDue()).isFalse();
    }

    @Test
    void aRunIsDueAfterTheQuietPeriodAndOnlyOnce() {
        d.request();
        advanceMs(99);
        assertThat(d.takeIfDue()).isFalse();
        advanceMs(1);
        assertThat(d.takeIfDue()).isTrue();
        assertThat(d.takeIfDue()).isFalse();
        assertThat(d.pending()).isFalse();
    }

    @Test
    void eachRequestRestartsTheQuietPeriod() {
        d.request();
        advanceMs(80);
        d.request();
        advanceMs(80);
        assertThat(d.takeIfDue()).isFalse();
        advanceMs(20);
        assertThat(d.takeIfDue()).isTrue();
    }

    @Test
    void aSteadyStreamOfRequestsRunsNoLaterThanTheMaximumDelay() {
        d.request();
        for (int i = 0; i < 19; i++) {
            advanceMs(50);
            d.request();
            assertThat(d.takeIfDue()).as("at %d ms", (i + 1) * 50).isFalse();
        }
        advanceMs(50); // 1000 ms after the first request, 50 ms after the last
        assertThat(d.takeIfDue()).isTrue();
    }

    @Test
    void runsAreAtLeastTheMaximumDelayApart() {
        d.request();
        advanceMs(100);
        assertThat(d.takeIfDue()).isTrue();
        advanceMs(50);
        d.request();
        advanceMs(500); // quiet long enough, but only 550 ms after the last run
        assertThat(d.takeIfDue()).isFalse();
        advanceMs(449);
        assertThat(d.takeIfDue()).isFalse();
        advanceMs(1);
        assertThat(d.takeIfDue()).isTrue();
    }

    @Test
    void aBurstOfTSecondsMakesAtMostTPlusOneRuns() {
        int runs = 0;
        for (int ms = 0; ms < 5_000; ms += 10) { // a request every 10 ms for 5 s, checked every 10 ms
            d.request();
            advanceMs(10);
            runs += d.takeIfDue() ? 1 : 0;
        }
        for (int ms = 0; ms < 2_000; ms += 10) {
            advanceMs(10);
            runs += d.takeIfDue() ? 1 : 0;
        }
        assertThat(runs).isBetween(5, 6);
        assertThat(d.pending()).isFalse();
    }

    @Test
    void awaitReturnsWhenClosed() throws Exception {
        d.close();
        assertThat(d.await(null)).isEqualTo(Debouncer.Signal.CLOSED);
    }

    @Test
    void awaitReturnsARunThatIsDue() throws Exception {
        d.request();
        advanceMs(100);
        assertThat(d.await(null)).isEqualTo(Debouncer.Signal.RUN);
    }

    @Test
    void awaitReportsIdleWhenNothingWasRequested() throws Exception {
        assertThat(d.await(Duration.ZERO)).isEqualTo(Debouncer.Signal.IDLE);
    }
}
