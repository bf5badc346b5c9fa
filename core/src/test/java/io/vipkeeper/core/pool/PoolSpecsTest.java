package io.vipkeeper.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolSpecsTest {

    @Test
    void plainCidrOrRange() {
        AddressPool p = PoolSpecs.parseFlag("192.0.2.200/29", 0);
        assertThat(p.name()).isEqualTo("pool-0");
        assertThat(p.size(IpFamily.IPv4).intValue()).isEqualTo(6); // without network and broadcast, as the seed did
        assertThat(p.ranges().get(0).toString()).isEqualTo("192.0.2.201-192.0.2.206");
        assertThat(p.autoAssign()).isTrue();
        assertThat(PoolSpecs.parseFlag("192.0.2.10-192.0.2.19", 1).size(IpFamily.IPv4).intValue()).isEqualTo(10);
    }

    @Test
    void namedWithOptions() {
        AddressPool p = PoolSpecs.parseFlag(
                "name=prod,addresses=192.0.2.0/28;2001:db8::/124,namespaces=a;b,avoid-buggy-ips=true,auto-assign=false", 0);
        assertThat(p.name()).isEqualTo("prod");
        assertThat(p.has(IpFamily.IPv6)).isTrue();
        assertThat(p.namespaces()).containsExactly("a", "b");
        assertThat(p.allows("a")).isTrue();
        assertThat(p.allows("c")).isFalse();
        assertThat(p.avoidBuggyIps()).isTrue();
        assertThat(p.autoAssign()).isFalse();
        assertThat(p.assignable(IpAddress.parse("192.0.2.0"))).isFalse();
    }

    @Test
    void badOptionsNameTheProblem() {
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=x,adresses=192.0.2.0/28", 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown pool option \"adresses\"");
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=x", 0)).hasMessageContaining("no addresses");
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=x,addresses=192.0.2.0/28,auto-assign=yes", 0))
                .hasMessageContaining("auto-assign must be true or false");
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=x,addresses=192.0.2.0/28,namespaces=Bad_NS", 0))
                .hasMessageContaining("namespace");
        assertThatThrownBy(() -> PoolSpecs.parseFlag("192.0.2.0/33", 0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=a b,addresses=192.0.2.0/28", 0)).hasMessageContaining("pool name");
    }

    @Test
    void overlappingPoolsAreRefusedNamingBoth() {
        AddressPool a = PoolSpecs.parseFlag("name=a,addresses=192.0.2.0/28", 0);
        AddressPool b = PoolSpecs.parseFlag("name=b,addresses=192.0.2.8-192.0.2.40", 1);
        assertThatThrownBy(() -> AddressPool.requireDisjoint(List.of(a, b)))
                .hasMessageContaining("pool a").hasMessageContaining("pool b");
        assertThatThrownBy(() -> PoolSpecs.parseFlag("name=c,addresses=192.0.2.0/28;192.0.2.4/30", 0))
                .hasMessageContaining("overlaps");
    }

    @Test
    void seedCidrIsMaskedWithoutNetworkAndBroadcast() {
        AddressPool p = PoolSpecs.fromSeedCidr("105.156.51.69/27");
        assertThat(p.ranges().get(0).toString()).isEqualTo("105.156.51.65-105.156.51.94");
        assertThat(PoolSpecs.fromSeedCidr("192.0.2.0/31").size(IpFamily.IPv4).intValue()).isEqualTo(2);
        assertThat(PoolSpecs.fromSeedCidr("192.0.2.9/32").size(IpFamily.IPv4).intValue()).isEqualTo(1);
        assertThat(PoolSpecs.fromSeedCidr("2001:db8::/126").size(IpFamily.IPv6).intValue()).isEqualTo(4);
    }
}
