package io.vipkeeper.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.alloc.Allocator;
import io.vipkeeper.core.names.ServiceRef;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The baseline must answer what vipkeeper's allocator answers, or the comparison means nothing. */
class SeedAllocatorTest {

    private static String vipkeeperPick(Allocator a) {
        AllocationResult r = AllocatorBenchmark.allocateRelease(a, AllocatorBenchmark.request(AllocatorBenchmark.PROBE, null));
        return ((AllocationResult.Success) r).allocation().ips().get(0).toString();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 10, 254, 255, 256, 1000, 10000})
    void sameAddressAsVipkeeperAtFillLevel(int n) {
        Allocator a = AllocatorBenchmark.filledLowest(n);
        SeedAllocator s = AllocatorBenchmark.seedFilledLowest(n);
        String expected = vipkeeperPick(a);
        assertThat(s.lowestFree()).isEqualTo(expected);
        // the benchmark op leaves both states as they were
        String again = s.allocate();
        assertThat(s.release(again)).isTrue();
        assertThat(s.usedCount()).isEqualTo(n);
        assertThat(s.lowestFree()).isEqualTo(expected);
        assertThat(vipkeeperPick(a)).isEqualTo(expected);
    }

    @Test
    void firstHostIsAfterTheNetworkAddress() {
        assertThat(AllocatorBenchmark.seedFilledLowest(0).lowestFree()).isEqualTo("198.18.0.1");
        assertThat(SeedAllocator.hosts(AllocatorBenchmark.CIDR)).hasSize(65534)
                .endsWith("198.18.255.254");
    }

    @Test
    void bothTakeAHoleLeftByARelease() {
        Allocator a = AllocatorBenchmark.filledLowest(300);
        a.release(new ServiceRef("bench", "svc-100")); // held 198.18.0.101
        SeedAllocator s = AllocatorBenchmark.seedFilledLowest(300);
        s.release("198.18.0.101");
        assertThat(vipkeeperPick(a)).isEqualTo("198.18.0.101");
        assertThat(s.lowestFree()).isEqualTo("198.18.0.101");
    }

    @Test
    void bothReportExhaustion() {
        SeedAllocator s = new SeedAllocator("198.18.0.0/30", List.of("198.18.0.1", "198.18.0.2"));
        assertThat(s.lowestFree()).isNull();
        Allocator a = new Allocator(List.of(io.vipkeeper.core.pool.PoolSpecs.fromSeedCidr("198.18.0.0/30")));
        a.assign(AllocatorBenchmark.request(new ServiceRef("bench", "a"), null));
        a.assign(AllocatorBenchmark.request(new ServiceRef("bench", "b"), null));
        assertThat(a.assign(AllocatorBenchmark.request(AllocatorBenchmark.PROBE, null)))
                .isInstanceOf(AllocationResult.Failure.class);
    }
}
