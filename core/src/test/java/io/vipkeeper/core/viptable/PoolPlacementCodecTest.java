package io.vipkeeper.core.viptable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PoolPlacementCodecTest {

    private static final PoolPlacement ROUTED = new PoolPlacement("routed", List.of(IpRange.parse("198.51.100.0/28"), IpRange.parse("2001:db8::/124")),
            Announce.BGP, new InterfaceName("eth1"),
            new LabelSelector(Map.of("rack", "r1"), List.of(new LabelSelector.Requirement("zone", LabelSelector.Operator.IN, Set.of("a")))),
            List.of(BgpCommunity.parse("64512:100")), 100L);

    @Test
    void roundTripsAndLeavesDefaultPlacementsOut() {
        PoolPlacement plain = PoolPlacement.defaults("plain", List.of(IpRange.parse("203.0.113.0/28")));
        Map<String, Object> tree = PoolPlacementCodec.toTree(List.of(ROUTED, plain));
        assertThat(tree).containsOnlyKeys("routed");
        assertThat(PoolPlacementCodec.fromTree(tree)).containsExactly(ROUTED);
    }

    @Test
    void lookupGivesTheVipsPoolOrTheDefault() {
        PoolPlacements p = new PoolPlacements(List.of(ROUTED));
        assertThat(p.announce(IpAddress.parse("198.51.100.5"))).isEqualTo(Announce.BGP);
        assertThat(p.announce(IpAddress.parse("203.0.113.5"))).isEqualTo(Announce.VRRP);
        assertThat(p.allowsNode(IpAddress.parse("198.51.100.5"), Map.of("rack", "r1", "zone", "a"))).isTrue();
        assertThat(p.allowsNode(IpAddress.parse("198.51.100.5"), Map.of("rack", "r2", "zone", "a"))).isFalse();
        assertThat(p.allowsNode(IpAddress.parse("203.0.113.5"), Map.of())).isTrue();
    }

    @Test
    void hostileTreesAreRefusedNamingPoolAndField() {
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", List.of("198.51.100.0/28"), "interface", "eth0; rm -rf /"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("pool \"p\"").hasMessageContaining("interface name");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", List.of("198.51.100.0/28"), "announce", "ospf"))))
                .hasMessageContaining("vrrp or bgp");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", List.of("198.51.100.0/28"), "evil", 1))))
                .hasMessageContaining("unknown field");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", List.of("198.51.100.0/28"), "communities", List.of("70000:1")))))
                .hasMessageContaining("0..65535");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", List.of("198.51.100.0/28"), "localPref", 1.5))))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p\nq", Map.of("addresses", List.of("198.51.100.0/28")))))
                .hasMessageContaining("pool name");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(Map.of("p", Map.of("addresses", "198.51.100.0/28"))))
                .hasMessageContaining("addresses is not a list");
        assertThatThrownBy(() -> PoolPlacementCodec.fromTree(List.of()))
                .hasMessageContaining("not an object");
    }
}
