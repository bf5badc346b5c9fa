package io.vipkeeper.benchmarks;

import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.alloc.Allocator;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.pool.PoolSpecs;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One operation = allocate one address in a /16 then release it (the state is the same after each
 * operation), with {@code inUse} addresses already held.
 *
 * <ul>
 *   <li>{@code vipkeeper}: {@link Allocator} on the seed-CIDR pool, the {@code inUse} lowest hosts held by as
 *       many Services (filled through {@code assign}, as the controller would);</li>
 *   <li>{@code vipkeeperRandomFill}: the same, but {@code inUse} hosts picked at random (fixed seed), so the free
 *       list is fragmented into thousands of intervals;</li>
 *   <li>{@code seed}: {@link SeedAllocator}, keepalived-cloud-provider's algorithm, with the same lowest hosts in
 *       its used list (the worst case for its scan, and what it builds itself as Services are added).</li>
 * </ul>
 *
 * <p>The fixed, pre-touched heap is part of the method, not a tuning: without it G1 grows eden into memory the
 * process has never touched, and on a VM whose guest memory is backed lazily each first touch of a 4 KiB page
 * costs ~20 µs in the kernel. A run then lands, at random, in a mode where the measuring thread spends most of
 * its time in minor page faults (0 GCs, ~50,000 faults/s, ~0.2 µs/op becomes 3-6 µs/op). See docs/benchmarks.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch"})
public class AllocatorBenchmark {

    /** RFC 2544 benchmarking range: never routed, no traffic is sent anyway. */
    public static final String CIDR = "198.18.0.0/16";
    static final Set<PortKey> HTTP = Set.of(new PortKey(PortKey.Protocol.TCP, 80));
    static final ServiceRef PROBE = new ServiceRef("bench", "probe");

    @Param({"0", "10000", "60000"})
    public int inUse;

    private Allocator allocator;
    private AllocationRequest probe;
    private SeedAllocator seed;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        probe = request(PROBE, null);
        String method = params.getBenchmark();
        if (method.endsWith(".seed")) {
            seed = seedFilledLowest(inUse);
        } else if (method.endsWith(".vipkeeperRandomFill")) {
            allocator = filledRandom(inUse, 42);
        } else {
            allocator = filledLowest(inUse);
        }
    }

    @Benchmark
    public AllocationResult vipkeeper() {
        return allocateRelease(allocator, probe);
    }

    @Benchmark
    public AllocationResult vipkeeperRandomFill() {
        return allocateRelease(allocator, probe);
    }

    @Benchmark
    public String seed() {
        String ip = seed.allocate();
        seed.release(ip);
        return ip;
    }

    static AllocationResult allocateRelease(Allocator a, AllocationRequest r) {
        AllocationResult result = a.assign(r);
        if (!(result instanceof AllocationResult.Success)) {
            throw new IllegalStateException("allocation failed: " + result);
        }
        a.release(r.service());
        return result;
    }

    // ---- fixtures (shared with the unit test, so the baseline is checked on the very state measured)

    static AllocationRequest request(ServiceRef s, IpAddress requested) {
        return new AllocationRequest(s, List.of(IpFamily.IPv4), FamilyPolicy.SINGLE_STACK,
                requested == null ? List.of() : List.of(requested), null, null, HTTP, false);
    }

    static Allocator emptyAllocator() {
        return new Allocator(List.of(PoolSpecs.fromSeedCidr(CIDR)));
    }

    /** The n lowest hosts held, one Service each, assigned automatically. */
    static Allocator filledLowest(int n) {
        Allocator a = emptyAllocator();
        for (int i = 0; i < n; i++) {
            mustSucceed(a.assign(request(new ServiceRef("bench", "svc-" + i), null)));
        }
        return a;
    }

    /** n hosts picked at random (fixed seed) held, one Service each, asked for by address. */
    static Allocator filledRandom(int n, long randomSeed) {
        List<String> hosts = new ArrayList<>(SeedAllocator.hosts(CIDR));
        Collections.shuffle(hosts, new Random(randomSeed));
        Allocator a = emptyAllocator();
        for (int i = 0; i < n; i++) {
            mustSucceed(a.assign(request(new ServiceRef("bench", "svc-" + i), IpAddress.parse(hosts.get(i)))));
        }
        return a;
    }

    /** The seed with the n lowest hosts used, in the order it would have added them. */
    static SeedAllocator seedFilledLowest(int n) {
        return new SeedAllocator(CIDR, new ArrayList<>(SeedAllocator.hosts(CIDR).subList(0, n)));
    }

    private static void mustSucceed(AllocationResult r) {
        if (!(r instanceof AllocationResult.Success)) {
            throw new IllegalStateException("fill failed: " + r);
        }
    }
}
