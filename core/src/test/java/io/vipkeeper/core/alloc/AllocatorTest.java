package io.vipkeeper.core.alloc;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.alloc.AllocationResult.Failure;
import io.vipkeeper.core.alloc.AllocationResult.Reason;
import io.vipkeeper.core.alloc.AllocationResult.Success;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AllocatorTest {

    static final Set<PortKey> HTTP = Set.of(new PortKey(PortKey.Protocol.TCP, 80));

    static Allocator allocator(String... pools) {
        List<AddressPool> list = new ArrayList<>();
        for (int i = 0; i < pools.length; i++) {
            list.add(PoolSpecs.parseFlag(pools[i], i));
        }
        return new Allocator(list);
    }

    static AllocationRequest req(String svc) {
        return new Builder(svc).build();
    }

    static final class Builder {
        ServiceRef ref;
        List<IpFamily> families = List.of(IpFamily.IPv4);
        FamilyPolicy policy = FamilyPolicy.SINGLE_STACK;
        List<IpAddress> requested = List.of();
        String pool;
        String key;
        Set<PortKey> ports = HTTP;
        boolean keep;

        Builder(String svc) {
            ref = ServiceRef.parse(svc);
        }

        Builder ips(String... ips) {
            requested = java.util.Arrays.stream(ips).map(IpAddress::parse).toList();
            return this;
        }

        Builder pool(String p) {
            pool = p;
            return this;
        }

        Builder share(String k, int... portNumbers) {
            key = k;
            Set<PortKey> s = new HashSet<>();
            for (int p : portNumbers) {
                s.add(new PortKey(PortKey.Protocol.TCP, p));
            }
            ports = s;
            return this;
        }

        Builder dual(FamilyPolicy p, IpFamily... f) {
            policy = p;
            families = List.of(f);
            return this;
        }

        Builder keep() {
            keep = true;
            return this;
        }

        AllocationRequest build() {
            return new AllocationRequest(ref, families, policy, requested, pool, key, ports, keep);
        }
    }

    static String ip(AllocationResult r) {
        assertThat(r).as("%s", r).isInstanceOf(Success.class);
        return ((Success) r).allocation().ips().get(0).toString();
    }

    static Reason failure(AllocationResult r) {
        assertThat(r).as("%s", r).isInstanceOf(Failure.class);
        return ((Failure) r).reason();
    }

    @Test
    void takesLowestFreeAndReusesFreedAddress() {
        Allocator a = allocator("192.0.2.200/29");
        assertThat(ip(a.assign(req("default/a")))).isEqualTo("192.0.2.201");
        assertThat(ip(a.assign(req("default/b")))).isEqualTo("192.0.2.202");
        assertThat(a.release(ServiceRef.parse("default/a"))).isTrue();
        assertThat(ip(a.assign(req("default/c")))).isEqualTo("192.0.2.201");
        // asking again keeps what it holds
        AllocationResult again = a.assign(req("default/b"));
        assertThat(ip(again)).isEqualTo("192.0.2.202");
        assertThat(((Success) again).changed()).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"192.0.2.8/31, 2", "192.0.2.9/32, 1", "2001:db8::/127, 2", "2001:db8::5/128, 1", "192.0.2.0/30, 2", "192.0.2.0-192.0.2.3, 4"})
    void smallPrefixesAreFullyUsableThenExhausted(String cidr, int size) {
        Allocator a = allocator(cidr);
        IpFamily f = cidr.contains(":") ? IpFamily.IPv6 : IpFamily.IPv4;
        assertThat(a.usage().get(0).size().intValue()).isEqualTo(size);
        Set<String> got = new HashSet<>();
        for (int i = 0; i < size; i++) {
            got.add(ip(a.assign(new Builder("default/s" + i).dual(FamilyPolicy.SINGLE_STACK, f).build())));
        }
        assertThat(got).hasSize(size);
        AllocationResult r = a.assign(new Builder("default/extra").dual(FamilyPolicy.SINGLE_STACK, f).build());
        assertThat(failure(r)).isEqualTo(Reason.POOL_EXHAUSTED);
        assertThat(a.usage().get(0).inUse()).isEqualTo(size);
        a.release(ServiceRef.parse("default/s0"));
        assertThat(a.assign(new Builder("default/extra").dual(FamilyPolicy.SINGLE_STACK, f).build())).isInstanceOf(Success.class);
    }

    @Test
    void hugeIpv6PoolCostsNothing() {
        Allocator a = allocator("2001:db8::/64");
        AllocationRequest r = new Builder("default/v6").dual(FamilyPolicy.SINGLE_STACK, IpFamily.IPv6).build();
        assertThat(ip(a.assign(r))).isEqualTo("2001:db8::");
        assertThat(a.usage().get(0).size().toString()).isEqualTo("18446744073709551616");
    }

    @Test
    void avoidBuggyIpsSkipsDotZeroAndDot255() {
        Allocator a = allocator("name=p,addresses=192.0.2.254-192.0.3.1,avoid-buggy-ips=true");
        assertThat(ip(a.assign(req("default/a")))).isEqualTo("192.0.2.254");
        assertThat(ip(a.assign(req("default/b")))).isEqualTo("192.0.3.1");
        assertThat(failure(a.assign(req("default/c")))).isEqualTo(Reason.POOL_EXHAUSTED);
        // but can be asked for explicitly
        assertThat(ip(a.assign(new Builder("default/d").ips("192.0.3.0").build()))).isEqualTo("192.0.3.0");
        a.release(ServiceRef.parse("default/d"));
        assertThat(failure(a.assign(req("default/e")))).isEqualTo(Reason.POOL_EXHAUSTED);
    }

    @Test
    void requestedAddressInsideAndOutsidePools() {
        Allocator a = allocator("192.0.2.200/29");
        assertThat(ip(a.assign(new Builder("default/in").ips("192.0.2.201").build()))).isEqualTo("192.0.2.201");
        Success out = (Success) a.assign(new Builder("default/out").ips("198.51.100.7").build());
        assertThat(out.allocation().addresses().get(0).pool()).isNull();
        // the next automatic one skips the requested one
        assertThat(ip(a.assign(req("default/auto")))).isEqualTo("192.0.2.202");
        // taken
        AllocationResult taken = a.assign(new Builder("default/other").ips("192.0.2.201").build());
        assertThat(failure(taken)).isEqualTo(Reason.ADDRESS_TAKEN);
        assertThat(((Failure) taken).message()).contains("default/in");
        assertThat(a.holdersOf(IpAddress.parse("192.0.2.201"))).containsExactly(ServiceRef.parse("default/in"));
    }

    @Test
    void reservedAddressesAreNeverGiven() {
        Allocator a = allocator("192.0.2.200-192.0.2.203");
        a.setReserved(List.of(IpAddress.parse("192.0.2.200")));
        assertThat(ip(a.assign(req("default/a")))).isEqualTo("192.0.2.201");
        assertThat(failure(a.assign(new Builder("default/b").ips("192.0.2.200").build()))).isEqualTo(Reason.ADDRESS_TAKEN);
        a.setReserved(List.of());
        assertThat(ip(a.assign(req("default/c")))).isEqualTo("192.0.2.200");
    }

    @Test
    void sharingNeedsSameKeyAndDistinctPorts() {
        Allocator a = allocator("192.0.2.200/29");
        String first = ip(a.assign(new Builder("default/web").share("k", 80).build()));
        // same key, other port: joins the same address
        assertThat(ip(a.assign(new Builder("default/dns").share("k", 53).build()))).isEqualTo(first);
        assertThat(a.holdersOf(IpAddress.parse(first))).hasSize(2);
        // same key, clashing port, asking for that address: refused
        AllocationResult clash = a.assign(new Builder("default/web2").share("k", 80).ips(first).build());
        assertThat(failure(clash)).isEqualTo(Reason.ADDRESS_TAKEN);
        assertThat(((Failure) clash).message()).contains("port 80/TCP");
        // same key, clashing port, automatic: gets another address
        assertThat(ip(a.assign(new Builder("default/web3").share("k", 80).build()))).isNotEqualTo(first);
        // no key: refused
        assertThat(failure(a.assign(new Builder("default/x").ips(first).build()))).isEqualTo(Reason.ADDRESS_TAKEN);
        // release one sharer: the address stays with the other
        a.release(ServiceRef.parse("default/web"));
        assertThat(a.holdersOf(IpAddress.parse(first))).containsExactly(ServiceRef.parse("default/dns"));
    }

    @Test
    void namespacesAndAutoAssignChooseThePool() {
        Allocator a = allocator("name=team,addresses=192.0.2.0-192.0.2.3,namespaces=team",
                "name=manual,addresses=192.0.2.8-192.0.2.11,auto-assign=false", "name=general,addresses=192.0.2.16-192.0.2.19");
        assertThat(ip(a.assign(req("team/a")))).isEqualTo("192.0.2.0");
        assertThat(ip(a.assign(req("other/a")))).isEqualTo("192.0.2.16");
        assertThat(ip(a.assign(new Builder("other/b").pool("manual").build()))).isEqualTo("192.0.2.8");
        assertThat(failure(a.assign(new Builder("other/c").pool("team").build()))).isEqualTo(Reason.NO_POOL);
        assertThat(failure(a.assign(new Builder("other/d").pool("nope").build()))).isEqualTo(Reason.ADDRESS_INVALID);
        assertThat(failure(a.assign(new Builder("other/e").ips("192.0.2.1").build()))).isEqualTo(Reason.ADDRESS_INVALID);
        assertThat(failure(a.assign(new Builder("other/v6").dual(FamilyPolicy.SINGLE_STACK, IpFamily.IPv6).build())))
                .isEqualTo(Reason.NO_POOL);
    }

    @Test
    void dualStackPolicies() {
        Allocator a = allocator("name=v4,addresses=192.0.2.0-192.0.2.3", "name=v6,addresses=2001:db8::/126");
        Success both = (Success) a.assign(new Builder("default/d").dual(FamilyPolicy.REQUIRE_DUAL_STACK, IpFamily.IPv6, IpFamily.IPv4).build());
        assertThat(both.allocation().ips()).extracting(Object::toString).containsExactly("2001:db8::", "192.0.2.0");
        Success single = (Success) a.assign(new Builder("default/s").dual(FamilyPolicy.SINGLE_STACK, IpFamily.IPv4, IpFamily.IPv6).build());
        assertThat(single.allocation().ips()).hasSize(1);

        Allocator v4only = allocator("192.0.2.0-192.0.2.3");
        assertThat(failure(v4only.assign(new Builder("default/r").dual(FamilyPolicy.REQUIRE_DUAL_STACK, IpFamily.IPv4, IpFamily.IPv6).build())))
                .isEqualTo(Reason.NO_POOL);
        // nothing was kept from the failed dual-stack attempt
        assertThat(v4only.usage().get(0).inUse()).isZero();
        Success prefer = (Success) v4only.assign(new Builder("default/p").dual(FamilyPolicy.PREFER_DUAL_STACK, IpFamily.IPv4, IpFamily.IPv6).build());
        assertThat(prefer.allocation().ips()).extracting(Object::toString).containsExactly("192.0.2.0");
    }

    @Test
    void restoreKeepsAddressesAndRefusesConflicts() {
        Allocator a = allocator("192.0.2.200/29");
        assertThat(a.restore(req("default/b"), List.of(IpAddress.parse("192.0.2.205")))).isInstanceOf(Success.class);
        assertThat(failure(a.restore(req("default/c"), List.of(IpAddress.parse("192.0.2.205"))))).isEqualTo(Reason.ADDRESS_TAKEN);
        assertThat(ip(a.assign(req("default/b")))).isEqualTo("192.0.2.205");
        assertThat(ip(a.assign(req("default/c")))).isEqualTo("192.0.2.201");
    }

    @Test
    void addressLeftOutOfEveryPoolIsKeptOnlyWhileServiceIsUnchanged() {
        Allocator a = allocator("192.0.2.200/29");
        a.restore(req("default/old"), List.of(IpAddress.parse("198.51.100.1")));
        assertThat(ip(a.assign(new Builder("default/old").keep().build()))).isEqualTo("198.51.100.1");
        assertThat(ip(a.assign(req("default/old")))).isEqualTo("192.0.2.201");
    }

    @Test
    void failedReassignKeepsWhatTheServiceHeld() {
        Allocator a = allocator("192.0.2.200/31");
        assertThat(a.usage().get(0).size().intValue()).isEqualTo(2);
        ip(a.assign(req("default/a")));
        ip(a.assign(req("default/b")));
        assertThat(failure(a.assign(new Builder("default/a").ips("192.0.2.201").build()))).isEqualTo(Reason.ADDRESS_TAKEN);
        assertThat(a.allocationOf(ServiceRef.parse("default/a")).orElseThrow().ips()).extracting(Object::toString)
                .containsExactly("192.0.2.200");
    }

    @Test
    void manyAllocationsAreUniqueAndAllFreedAgain() {
        Allocator a = allocator("name=big,addresses=192.0.2.0-192.0.2.255;198.51.100.0-198.51.100.255,avoid-buggy-ips=true");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 508; i++) {
            assertThat(seen.add(ip(a.assign(req("default/s" + i))))).isTrue();
        }
        assertThat(failure(a.assign(req("default/one-more")))).isEqualTo(Reason.POOL_EXHAUSTED);
        for (int i = 0; i < 508; i++) {
            a.release(ServiceRef.parse("default/s" + i));
        }
        assertThat(a.usage().get(0).inUse()).isZero();
        assertThat(ip(a.assign(req("default/again")))).isEqualTo("192.0.2.1");
    }
}
