package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class FailoverStatsTest {

    @Test
    void nearestRank() {
        FailoverStats s = FailoverStats.of(List.of(400L, 300L, 350L, 320L, 310L));
        assertThat(s.min()).isEqualTo(300);
        assertThat(s.median()).isEqualTo(320);
        assertThat(s.p95()).isEqualTo(400);
        assertThat(s.max()).isEqualTo(400);
        assertThat(s.count()).isEqualTo(5);
    }

    @Test
    void twentyRounds() {
        List<Long> l = new ArrayList<>(LongStream.rangeClosed(1, 20).boxed().toList());
        java.util.Collections.shuffle(l, new java.util.Random(1));
        FailoverStats s = FailoverStats.of(l);
        assertThat(s.median()).isEqualTo(10);
        assertThat(s.p95()).isEqualTo(19);
        assertThat(s.max()).isEqualTo(20);
    }

    @Test
    void oneSampleAndNone() {
        FailoverStats s = FailoverStats.of(List.of(7L));
        assertThat(List.of(s.min(), s.median(), s.p95(), s.max())).containsOnly(7L);
        assertThatThrownBy(() -> FailoverStats.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
