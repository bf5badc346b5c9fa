package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HolderSamplerTest {

    @Test
    void countsTwoOrMoreAndNoHolderAmongSamplesReadFully() {
        HolderSampler.Counts c = HolderSampler.count(List.of("1 0", "2 0", "0 0", "3 0", "1 0"));
        assertThat(c).isEqualTo(new HolderSampler.Counts(5, 2, 1, 0));
    }

    @Test
    void aSampleWithAnUnreadableNodeCountsOnlyAsFailedNotAsNoHolder() {
        // an ip command that failed (e.g. timed out under load) says nothing about who holds the VIP
        HolderSampler.Counts c = HolderSampler.count(List.of("0 1", "1 0", "2 1", "", "garbage"));
        assertThat(c).isEqualTo(new HolderSampler.Counts(1, 0, 0, 2));
    }
}
