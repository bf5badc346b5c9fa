package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** A run without root says what it did not check; in CI (CI=true) the same test fails instead of skipping. */
class RootToolsTest {

    @Test
    void withoutRootATestIsSkippedNamingWhatIsNotChecked() {
        assertThatThrownBy(() -> RootTools.require(Map.of(), "keepalived -t on the golden files", List.of("root", "keepalived")))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("NOT CHECKED: keepalived -t on the golden files (needs root, keepalived)");
    }

    @Test
    void inCiItFails() {
        assertThatThrownBy(() -> RootTools.require(Map.of("CI", "true"), "nft -c", List.of("root")))
                .isInstanceOf(AssertionFailedError.class).hasMessageContaining("NOT CHECKED: nft -c (needs root)");
    }

    @Test
    void withEverythingThereItGoesOn() {
        assertThatCode(() -> RootTools.require(Map.of("CI", "true"), "nft -c", List.of())).doesNotThrowAnyException();
    }
}
