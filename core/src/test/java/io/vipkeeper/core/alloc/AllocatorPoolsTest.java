package io.vipkeeper.core.alloc;

import static io.vipkeeper.core.alloc.AllocatorTest.req;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pools replaced while addresses are held (VipPool edits): nothing moves, counts stay exact, priority orders pools. */
class AllocatorPoolsTest {

    static AddressPool pool(String name, String addresses) {
        return PoolSpecs.fromOptions(Map.of("name", name, "addresses", addresses), name);
    }

    static long inUse(Allocator a, String pool) {
        return a.usage().stream().filter(u -> u.pool().equals(pool) && u.family() == IpFamily.IPv4).mapToLong(Allocator.PoolUsage::inUse)
                .sum();
    }

    @Test
    void replacingPoolsKeepsHoldingsAndCountsHeldAndReservedAddressesOnce() {
        Allocator a = new Allocator(List.of(pool("lan", "192.0.2.10-192.0.2.19")));
        a.assign(req("default/a"));
        a.assign(req("default/b"));
        a.setReserved(List.of(IpAddress.parse("192.0.2.15")));
        assertThat(inUse(a, "lan")).isEqualTo(3);
        // the range shrinks: b's address (.11) and the reserved one leave it
        Set<ServiceRef> moved = a.replacePools(List.of(pool("lan", "192.0.2.10-192.0.2.10"), pool("more", "192.0.2.11-192.0.2.20")));
        assertThat(moved).containsExactly(ServiceRef.parse("default/b"));
        assertThat(a.allocationOf(ServiceRef.parse("default/b")).orElseThrow().primaryPool()).isEqualTo("more");
        assertThat(inUse(a, "lan")).isEqualTo(1);
        assertThat(inUse(a, "more")).isEqualTo(2); // b's .11 and the reserved .15
        // the next free address skips what is held and reserved
        assertThat(((AllocationResult.Success) a.assign(req("default/c"))).allocation().ips()).containsExactly(IpAddress.parse("192.0.2.12"));
        // every pool gone: the holders keep their addresses, outside every pool
        moved = a.replacePools(List.of());
        assertThat(moved).containsExactlyInAnyOrder(ServiceRef.parse("default/a"), ServiceRef.parse("default/b"), ServiceRef.parse("default/c"));
        assertThat(a.holdings()).hasSize(3);
        assertThat(a.allocationOf(ServiceRef.parse("default/a")).orElseThrow().primaryPool()).isNull();
        // back: counted again, exactly
        a.replacePools(List.of(pool("lan", "192.0.2.10-192.0.2.19")));
        assertThat(inUse(a, "lan")).isEqualTo(4);
        a.release(ServiceRef.parse("default/c"));
        assertThat(inUse(a, "lan")).isEqualTo(3);
    }

    @Test
    void lowerPriorityIsTriedFirstAndPoolsWithoutOneKeepTheirOrderAfter() {
        AddressPool flag = pool("flag", "198.51.100.1-198.51.100.1");
        AddressPool low = new AddressPool("low", List.of(IpRange.parse("192.0.2.1-192.0.2.1")), Set.of(), false, true, 1, null, null);
        AddressPool high = new AddressPool("high", List.of(IpRange.parse("203.0.113.1-203.0.113.1")), Set.of(), false, true, 5, null, null);
        Allocator a = new Allocator(List.of(flag, high, low));
        assertThat(a.pools()).extracting(AddressPool::name).containsExactly("low", "high", "flag");
        assertThat(((AllocationResult.Success) a.assign(req("default/a"))).allocation().primaryPool()).isEqualTo("low");
        assertThat(((AllocationResult.Success) a.assign(req("default/b"))).allocation().primaryPool()).isEqualTo("high");
        assertThat(((AllocationResult.Success) a.assign(req("default/c"))).allocation().primaryPool()).isEqualTo("flag");
    }
}
