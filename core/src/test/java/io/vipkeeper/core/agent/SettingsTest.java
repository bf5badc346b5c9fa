package io.vipkeeper.core.agent;

import static io.vipkeeper.core.agent.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void advertIntervalParsesAndPrintsKeepalivedSpelling() {
        assertThat(AdvertInterval.parse("0.1").centis()).isEqualTo(10);
        assertThat(AdvertInterval.parse("0.1")).hasToString("0.1");
        assertThat(AdvertInterval.parse("0.05")).hasToString("0.05");
        assertThat(AdvertInterval.parse("1")).hasToString("1");
        assertThat(AdvertInterval.parse("1.50")).hasToString("1.5");
        for (String bad : List.of("", "0", "0.001", "-1", "1e3", "41", "1;", " 1", "0.1\n")) {
            assertThatThrownBy(() -> AdvertInterval.parse(bad)).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void defaultsDependOnTheVrrpVersion() {
        assertThat(settings().build().advertInterval()).isEqualTo(AdvertInterval.DEFAULT_V3);
        assertThat(settings().vrrpVersion(2).build().advertInterval()).hasToString("1");
    }

    @Test
    void vrrpV2RefusesSubSecondAdverts() {
        assertThatThrownBy(() -> settings().vrrpVersion(2).advertInterval(AdvertInterval.parse("0.5")).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("whole seconds")
                .hasMessageContaining("--vrrp-version 3");
    }

    @Test
    void vridRangeAndPathsAreValidated() {
        assertThat(VridRange.parse("50-99").size()).isEqualTo(50);
        for (String bad : List.of("0-10", "10-256", "99-50", "a-b", "5", "1-2-3")) {
            assertThatThrownBy(() -> VridRange.parse(bad)).isInstanceOf(InvalidInputException.class);
        }
        for (String bad : List.of("run", "/run/../etc", "/run/x y", "/run/\"x", "/run/x\n")) {
            assertThatThrownBy(() -> settings().runDir(bad).build()).isInstanceOf(InvalidInputException.class);
        }
        for (String bad : List.of("", "eth0 ", "a/b", "a:b", "abcdefghijklmnop", "eth0\n", "é")) {
            assertThatThrownBy(() -> InterfaceName.parse(bad)).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void ownInterfaceIsNotTrackedTwice() {
        AgentSettings s = settings().trackInterfaces(List.of(new InterfaceName("eth1"), new InterfaceName("eth0"))).build();
        assertThat(s.trackInterfaces()).extracting(InterfaceName::name).containsExactly("eth1");
    }
}
