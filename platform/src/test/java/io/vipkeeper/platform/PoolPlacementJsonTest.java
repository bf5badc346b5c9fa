package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolPlacementJsonTest {

    @Test
    void roundTripsThroughText() {
        PoolPlacement p = new PoolPlacement("routed", List.of(IpRange.parse("198.51.100.0/28")), Announce.BGP, null, null, List.of(), null);
        String text = PoolPlacementJson.encode(List.of(p));
        assertThat(text).isEqualTo("{\"routed\":{\"addresses\":[\"198.51.100.0-198.51.100.15\"],\"announce\":\"bgp\"}}");
        assertThat(PoolPlacementJson.decode(text).placements()).containsExactly(p);
    }

    @Test
    void absentIsNoneAndGarbageIsRefused() {
        assertThat(PoolPlacementJson.decode(null)).isEqualTo(PoolPlacements.NONE);
        assertThat(PoolPlacementJson.decode(" ")).isEqualTo(PoolPlacements.NONE);
        assertThatThrownBy(() -> PoolPlacementJson.decode("{not json")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vipkeeper.io/pool-placement is not JSON");
        assertThatThrownBy(() -> PoolPlacementJson.decode("x".repeat(300_000))).hasMessageContaining("longer than");
    }
}
