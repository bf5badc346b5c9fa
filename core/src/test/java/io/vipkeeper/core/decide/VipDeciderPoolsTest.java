package io.vipkeeper.core.decide;

import static io.vipkeeper.core.decide.VipDeciderTest.decide;
import static io.vipkeeper.core.decide.VipDeciderTest.delete;
import static io.vipkeeper.core.decide.VipDeciderTest.ip;
import static io.vipkeeper.core.decide.VipDeciderTest.only;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.decide.VipDeciderTest.View;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.pool.VipPoolSpec;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pools as objects: created, edited and deleted while Services hold addresses; conflicts; counts; selectors. */
class VipDeciderPoolsTest {

    static PoolObject pool(String name, String created, String... addresses) {
        return pool(name, created, Map.of(), addresses);
    }

    static PoolObject pool(String name, String created, Map<String, Object> more, String... addresses) {
        Map<String, Object> spec = new LinkedHashMap<>(more);
        spec.put("addresses", List.of(addresses));
        return PoolObject.valid(name, created, VipPoolSpec.parse(name, spec));
    }

    static PoolStatus status(VipDecider d, String name) {
        return d.poolStatuses().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aPoolObjectServesAndItsStatusCounts() {
        VipDecider d = VipDeciderTest.decider();
        assertThat(only(decide(d, new View("default/web").build()))).isInstanceOf(ServiceDecision.Refused.class);
        Set<ServiceRef> again = d.pools(List.of(pool("lan", "2026-01-01T00:00:00Z", "192.0.2.200/29")));
        assertThat(again).containsExactly(ServiceRef.parse("default/web")); // it was waiting
        ServiceDecision.Holds h = (ServiceDecision.Holds) only(decide(d, new View("default/web").build()));
        assertThat(h.allocation().ips()).containsExactly(ip("192.0.2.201"));
        assertThat(h.allocation().primaryPool()).isEqualTo("lan");
        PoolStatus s = status(d, "lan");
        assertThat(s.health()).isEqualTo(PoolStatus.Health.READY);
        assertThat(s.families()).containsOnlyKeys(IpFamily.IPv4);
        assertThat(s.families().get(IpFamily.IPv4)).isEqualTo(new PoolStatus.Counts(BigInteger.valueOf(6), 1, BigInteger.valueOf(5)));
        assertThat(s.addresses()).isEqualTo("192.0.2.200/29");
    }

    @Test
    void addingARangeGivesAWaitingServiceAnAddress() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("lan", "t1", "192.0.2.10-192.0.2.10")));
        decide(d, new View("default/a").build());
        assertThat(only(decide(d, new View("default/b").build()))).isInstanceOf(ServiceDecision.Refused.class);
        Set<ServiceRef> wake = d.pools(List.of(pool("lan", "t1", "192.0.2.10-192.0.2.10", "192.0.2.20-192.0.2.21")));
        assertThat(wake).containsExactly(ServiceRef.parse("default/b"));
        ServiceDecision.Holds h = (ServiceDecision.Holds) only(decide(d, new View("default/b").build()));
        assertThat(h.allocation().ips()).containsExactly(ip("192.0.2.20"));
        assertThat(status(d, "lan").families().get(IpFamily.IPv4)).isEqualTo(new PoolStatus.Counts(BigInteger.valueOf(3), 2, BigInteger.ONE));
    }

    @Test
    void anAddressThatLeavesEveryPoolIsKeptUntilItsServiceChanges() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("lan", "t1", "192.0.2.10-192.0.2.11")));
        decide(d, new View("default/web").build());
        Set<ServiceRef> again = d.pools(List.of());
        assertThat(again).containsExactly(ServiceRef.parse("default/web"));
        ServiceDecision.Holds kept = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").build()));
        assertThat(kept.allocation().ips()).containsExactly(ip("192.0.2.10"));
        assertThat(kept.allocation().primaryPool()).isNull();
        assertThat(kept.events()).singleElement().isInstanceOf(ServiceEvent.AddressOutsidePools.class);
        assertThat(VipConfigMapCodec.encode(d.table())).containsEntry("192.0.2.10", "default/web");
        d.pools(List.of(pool("other", "t2", "198.51.100.0/29")));
        View changed = new View("default/web").status("192.0.2.10");
        changed.fingerprint = "v2";
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, changed.build()));
        assertThat(moved.allocation().ips()).containsExactly(ip("198.51.100.1"));
        assertThat(VipConfigMapCodec.encode(d.table())).containsOnlyKeys("198.51.100.1");
    }

    @Test
    void aPoolEditThatLeavesAnAddressOutsideAsksForOneStatusWriteSettingTheConditionAndTheChangedServiceClearsIt() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("lan", "t1", "192.0.2.10-192.0.2.11")));
        // an ordinary allocation: one status write (the address), no condition
        ServiceDecision.Holds first = (ServiceDecision.Holds) only(decide(d, new View("default/web").build()));
        assertThat(first.writeStatus()).isTrue();
        assertThat(first.conditionChanged()).isFalse();
        assertThat(first.outside().isTrue()).isFalse();
        assertThat(((ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").build()))).statusWrite()).isFalse();

        // the range is edited away: the address stays, and the status must now say why
        assertThat(d.pools(List.of(pool("lan", "t1", "192.0.2.20-192.0.2.21")))).containsExactly(ServiceRef.parse("default/web"));
        ServiceDecision.Holds kept = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").build()));
        assertThat(kept.allocation().ips()).containsExactly(ip("192.0.2.10"));
        assertThat(kept.writeStatus()).isFalse();
        assertThat(kept.conditionChanged()).isTrue();
        assertThat(kept.statusWrite()).isTrue();
        assertThat(kept.outside().outside()).containsExactly(ip("192.0.2.10"));
        assertThat(kept.outside().status()).isEqualTo("True");
        assertThat(kept.outside().reason()).isEqualTo("AddressOutsidePools");
        assertThat(kept.outside().message()).isEqualTo("192.0.2.10 is in no pool any more (a pool was deleted or edited); the Service keeps it"
                + " until its spec or vipkeeper annotations change or it is deleted");
        // once the status says so, looking again writes nothing (the Event is still told, rate-limited by the recorder)
        assertThat(((ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").flagged(true).build())))
                .statusWrite()).isFalse();

        // the Service changes: it moves into the pool, and the same write clears the condition
        View changed = new View("default/web").status("192.0.2.10").flagged(true);
        changed.fingerprint = "v2";
        ServiceDecision.Holds moved = (ServiceDecision.Holds) only(decide(d, changed.build()));
        assertThat(moved.allocation().ips()).containsExactly(ip("192.0.2.20"));
        assertThat(moved.writeStatus()).isTrue();
        assertThat(moved.conditionChanged()).isTrue();
        assertThat(moved.outside().status()).isEqualTo("False");
        assertThat(moved.outside().reason()).isEqualTo("AddressesInPools");
        View settled = new View("default/web").status("192.0.2.20");
        settled.fingerprint = "v2";
        assertThat(((ServiceDecision.Holds) only(decide(d, settled.build()))).statusWrite()).isFalse();
    }

    @Test
    void aPoolEditThatBringsTheAddressBackClearsTheConditionWithoutMovingIt() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("lan", "t1", "192.0.2.10-192.0.2.11")));
        decide(d, new View("default/web").build());
        d.pools(List.of());
        assertThat(((ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").build()))).conditionChanged()).isTrue();
        assertThat(d.pools(List.of(pool("back", "t2", "192.0.2.8/29")))).containsExactly(ServiceRef.parse("default/web"));
        ServiceDecision.Holds back = (ServiceDecision.Holds) only(decide(d, new View("default/web").status("192.0.2.10").flagged(true).build()));
        assertThat(back.allocation().ips()).containsExactly(ip("192.0.2.10"));
        assertThat(back.allocation().primaryPool()).isEqualTo("back");
        assertThat(back.writeStatus()).isFalse();
        assertThat(back.conditionChanged()).isTrue();
        assertThat(back.outside().isTrue()).isFalse();
        assertThat(back.events()).isEmpty();
    }

    @Test
    void ofTwoOverlappingPoolsTheOlderServesAndTheNewerIsInConflictNamingIt() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("newer", "2026-02-01T00:00:00Z", "192.0.2.8/29"), pool("older", "2026-01-01T00:00:00Z", "192.0.2.0/28")));
        assertThat(status(d, "older").health()).isEqualTo(PoolStatus.Health.READY);
        PoolStatus c = status(d, "newer");
        assertThat(c.health()).isEqualTo(PoolStatus.Health.CONFLICT);
        assertThat(c.message()).isEqualTo("192.0.2.9-192.0.2.14 overlaps 192.0.2.1-192.0.2.14 of pool older, which is older");
        assertThat(c.used()).isZero();
        assertThat(c.free()).isZero();
        // same creation time: the name decides
        d.pools(List.of(pool("b", "t", "192.0.2.0/28"), pool("a", "t", "192.0.2.0/28")));
        assertThat(status(d, "a").health()).isEqualTo(PoolStatus.Health.READY);
        assertThat(status(d, "b").health()).isEqualTo(PoolStatus.Health.CONFLICT);
    }

    @Test
    void anObjectOverlappingAFlagPoolIsRefusedNamingItAndAnInvalidOneNamesTheField() {
        VipDecider d = VipDeciderTest.decider("192.0.2.200/29");
        d.pools(List.of(pool("lan", "t", "192.0.2.206-192.0.2.210"), PoolObject.invalid("bad", "t", "spec.announce: not an announcement mode")));
        assertThat(status(d, "lan").health()).isEqualTo(PoolStatus.Health.CONFLICT);
        assertThat(status(d, "lan").message()).contains("of pool pool-0, a pool from flags");
        assertThat(status(d, "bad").health()).isEqualTo(PoolStatus.Health.INVALID);
        assertThat(status(d, "bad").message()).startsWith("spec.announce");
        // the flag pool keeps serving
        ServiceDecision.Holds h = (ServiceDecision.Holds) only(decide(d, new View("default/web").build()));
        assertThat(h.allocation().primaryPool()).isEqualTo("pool-0");
        assertThat(d.placements()).isEmpty();
    }

    @Test
    void priorityDecidesWhichPoolIsTriedFirstAndTheFlagsComeBeforeObjectsWithoutOne() {
        VipDecider d = VipDeciderTest.decider("198.51.100.0/29");
        d.pools(List.of(pool("aa", "t", "203.0.113.0/29"), pool("zz", "t", Map.of("serviceAllocation", Map.of("priority", 5)), "192.0.2.0/29")));
        assertThat(((ServiceDecision.Holds) only(decide(d, new View("default/a").build()))).allocation().primaryPool()).isEqualTo("zz");
        d.pools(List.of(pool("aa", "t", "203.0.113.0/29"), pool("zz", "t", "192.0.2.0/29")));
        assertThat(((ServiceDecision.Holds) only(decide(d, new View("default/b").build()))).allocation().primaryPool()).isEqualTo("pool-0");
    }

    @Test
    void namespaceAndServiceSelectorsChooseThePool() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("team-a", "t", Map.of("serviceAllocation", Map.of("priority", 1,
                        "namespaceSelector", Map.of("matchLabels", Map.of("team", "a")),
                        "serviceSelector", Map.of("matchLabels", Map.of("tier", "front")))), "192.0.2.0/29"),
                pool("rest", "t", "198.51.100.0/29")));
        d.namespaces(Map.of("a", Map.of("team", "a"), "b", Map.of("team", "b")));
        assertThat(poolOf(d, "a/front", Map.of("tier", "front"))).isEqualTo("team-a");
        assertThat(poolOf(d, "a/back", Map.of("tier", "back"))).isEqualTo("rest");
        assertThat(poolOf(d, "b/front", Map.of("tier", "front"))).isEqualTo("rest");
        // a Namespace labelled later: a Service waiting for the pool is looked at again
        d.pools(List.of(pool("team-a", "t", Map.of("serviceAllocation", Map.of(
                "namespaceSelector", Map.of("matchLabels", Map.of("team", "c")))), "192.0.2.0/29")));
        assertThat(only(decide(d, labelled("c/web", Map.of()))) ).isInstanceOf(ServiceDecision.Refused.class);
        assertThat(d.namespaces(Map.of("c", Map.of("team", "c")))).containsExactly(ServiceRef.parse("c/web"));
        assertThat(only(decide(d, labelled("c/web", Map.of())))).isInstanceOf(ServiceDecision.Holds.class);
    }

    static ServiceView labelled(String ref, Map<String, String> labels) {
        ServiceView v = new View(ref).build();
        return new ServiceView(v.ref(), v.serving(), v.fingerprint(), v.request().withLabels(labels), null, null, null, List.of(), 0, "");
    }

    static String poolOf(VipDecider d, String ref, Map<String, String> labels) {
        return ((ServiceDecision.Holds) only(decide(d, labelled(ref, labels)))).allocation().primaryPool();
    }

    @Test
    void thePoolsForwardMethodIsTheDefaultOfItsServicesAndTheAnnotationStillWins() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("dr", "t", Map.of("forwardMethod", "DR"), "192.0.2.0/29")));
        decide(d, new View("default/plain").build());
        View annotated = new View("default/proxy");
        annotated.method = ForwardMethod.PROXY;
        decide(d, annotated.build());
        assertThat(VipConfigMapCodec.encode(d.table())).containsEntry("192.0.2.1", "default/plain:DR").containsEntry("192.0.2.2", "default/proxy:PROXY");
        // the pool's method edited: the table follows without the Service changing
        d.pools(List.of(pool("dr", "t", Map.of("forwardMethod", "NAT"), "192.0.2.0/29")));
        assertThat(VipConfigMapCodec.encode(d.table())).containsEntry("192.0.2.1", "default/plain");
    }

    @Test
    void placementsListThePoolsInUse() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("bgp", "t", Map.of("announce", "bgp", "interface", "eth1"), "192.0.2.0/29"), pool("plain", "t", "198.51.100.0/29")));
        assertThat(d.placements()).extracting(p -> p.pool() + ":" + p.isDefault()).containsExactly("bgp:false", "plain:true");
    }

    @Test
    void countsAreExactAfterAThousandAllocationsAndFiveHundredReleases() {
        VipDecider d = VipDeciderTest.decider();
        d.pools(List.of(pool("big", "t", "10.20.0.0/20", "2001:db8::/116")));
        List<ServiceRef> refs = new ArrayList<>();
        Map<ServiceRef, ServiceView> present = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            ServiceRef r = new ServiceRef("ns" + (i % 7), "svc-" + i);
            refs.add(r);
            List<IpFamily> fam = i % 4 == 0 ? List.of(IpFamily.IPv4, IpFamily.IPv6) : i % 4 == 1 ? List.of(IpFamily.IPv6) : List.of(IpFamily.IPv4);
            FamilyPolicy pol = fam.size() == 2 ? FamilyPolicy.REQUIRE_DUAL_STACK : FamilyPolicy.SINGLE_STACK;
            present.put(r, new ServiceView(r, ServiceView.Serving.SERVED, "v1",
                    new AllocationRequest(r, fam, pol, List.of(), null, null, VipDeciderTest.HTTP, false), null, null, null, List.of(), 0, ""));
        }
        // in batches, as the controller sees them
        for (int from = 0; from < 1000; from += 100) {
            d.decide(refs.subList(from, from + 100), present);
        }
        List<ServiceRef> gone = new ArrayList<>();
        for (int i = 0; i < 1000; i += 2) {
            gone.add(refs.get(i));
        }
        for (ServiceRef r : gone) {
            present.remove(r);
        }
        d.decide(gone, present);
        long v4 = 0;
        long v6 = 0;
        for (int i = 1; i < 1000; i += 2) {
            v4 += i % 4 == 1 ? 0 : 1;
            v6 += i % 4 == 1 ? 1 : 0;
        }
        PoolStatus s = status(d, "big");
        assertThat(s.families().get(IpFamily.IPv4)).isEqualTo(new PoolStatus.Counts(BigInteger.valueOf(4094), v4, BigInteger.valueOf(4094 - v4)));
        assertThat(s.families().get(IpFamily.IPv6)).isEqualTo(new PoolStatus.Counts(BigInteger.valueOf(4096), v6, BigInteger.valueOf(4096 - v6)));
        assertThat(s.used()).isEqualTo(500).isEqualTo(d.table().size());
        // an edit that keeps every held address counts the same
        d.pools(List.of(pool("big", "t", "10.20.0.0/20", "2001:db8::/116", "203.0.113.0/29")));
        assertThat(status(d, "big").used()).isEqualTo(500);
        assertThat(status(d, "big").families().get(IpFamily.IPv4).total()).isEqualTo(BigInteger.valueOf(4094 + 6));
        assertThat(delete(d, "ns1/svc-1").services()).hasSize(1);
        assertThat(status(d, "big").used()).isEqualTo(499);
    }
}
