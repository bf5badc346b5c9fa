package io.vipkeeper.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class RootRequirementTest {

    @Test
    void rootRuns() {
        assertThat(RootRequirement.decide(true, "true", "x")).isInstanceOf(RootRequirement.Decision.Run.class);
        assertThat(RootRequirement.decide(true, null, "x")).isInstanceOf(RootRequirement.Decision.Run.class);
    }

    @Test
    void withoutRootInCiFailsSayingWhatAndHow() {
        assertThat(RootRequirement.decide(false, "true", "traffic through the VIP"))
                .isEqualTo(new RootRequirement.Decision.Fail(
                        "needs root (CI=true, so not skipped): traffic through the VIP -- run the build as root, e.g. sudo make test"));
    }

    @Test
    void withoutRootElsewhereSkips() {
        assertThat(RootRequirement.decide(false, null, "x")).isInstanceOf(RootRequirement.Decision.Skip.class);
        assertThat(RootRequirement.decide(false, "false", "x")).isInstanceOf(RootRequirement.Decision.Skip.class);
    }

    @Test
    void skippedTestsAreNamedInOneLine() {
        assertThat(NotChecked.line(new TreeSet<>(List.of("B (b)", "A (a)")))).isEqualTo("NOT CHECKED (needs root; run as root, or CI=true to fail instead): A (a), B (b)");
    }
}
