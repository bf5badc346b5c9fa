package io.vipkeeper.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FederationPlannerTest {

    static final ClusterId FCP = new ClusterId("fcp");
    static final ClusterId USA = new ClusterId("usa");
    static final ClusterId CHN = new ClusterId("chn");
    static final Location FR = new Location("fr", "europe");
    static final Location US = new Location("us", "america");
    static final Location CN = new Location("cn", "asia");
    static final ServiceRef HELLO = new ServiceRef("default", "hello-world");

    final FederationPlanner planner = new FederationPlanner(new FederationNames("federation", DnsName.parse("example.com")), 30);

    static Target ip(String s) {
        return new Target.Address(IpAddress.parse(s));
    }

    static Target cname(String s) {
        return new Target.Alias(DnsName.parse(s));
    }

    static Shard shard(ClusterId c, Location l, boolean ready, Target... ingress) {
        return new Shard(c, l, HELLO, List.of(ingress), ready);
    }

    /** name -> sorted "owner=host" strings */
    static Map<String, List<String>> byName(List<OwnedRecord> rs) {
        Map<String, List<String>> m = new TreeMap<>();
        for (OwnedRecord r : rs) {
            m.computeIfAbsent(r.name().toString(), k -> new ArrayList<>()).add(r.owner() + "=" + r.target().host());
        }
        m.values().forEach(l -> l.sort(null));
        return m;
    }

    @Test
    void healthyShardsFillZoneRegionAndGlobal() {
        var rs = planner.plan(List.of(shard(FCP, FR, true, ip("192.0.2.10")), shard(USA, US, true, ip("198.51.100.10")),
                shard(CHN, CN, true, ip("203.0.113.10"))), FederationPlanner.OthersView.NONE);
        assertThat(byName(rs)).isEqualTo(Map.of(
                "hello-world.default.federation.svc.fr.europe.example.com", List.of("fcp=192.0.2.10"),
                "hello-world.default.federation.svc.europe.example.com", List.of("fcp=192.0.2.10"),
                "hello-world.default.federation.svc.us.america.example.com", List.of("usa=198.51.100.10"),
                "hello-world.default.federation.svc.america.example.com", List.of("usa=198.51.100.10"),
                "hello-world.default.federation.svc.cn.asia.example.com", List.of("chn=203.0.113.10"),
                "hello-world.default.federation.svc.asia.example.com", List.of("chn=203.0.113.10"),
                "hello-world.default.federation.svc.example.com", List.of("chn=203.0.113.10", "fcp=192.0.2.10", "usa=198.51.100.10")));
        assertThat(rs).allSatisfy(r -> assertThat(r.ttl()).isEqualTo(30));
    }

    @Test
    void unhealthyZoneFallsBackToRegionAndRegionToGlobal() {
        var rs = planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10")), shard(USA, US, true, ip("198.51.100.10"))),
                FederationPlanner.OthersView.NONE);
        Map<String, List<String>> m = byName(rs);
        assertThat(m.get("hello-world.default.federation.svc.fr.europe.example.com"))
                .containsExactly("fcp=hello-world.default.federation.svc.europe.example.com");
        assertThat(m.get("hello-world.default.federation.svc.europe.example.com"))
                .containsExactly("fcp=hello-world.default.federation.svc.example.com");
        assertThat(m.get("hello-world.default.federation.svc.example.com")).containsExactly("usa=198.51.100.10");
    }

    @Test
    void noHealthyShardAnywhereLeavesGlobalEmpty() {
        var rs = planner.plan(List.of(shard(FCP, FR, true /* no ingress */)), FederationPlanner.OthersView.NONE);
        Map<String, List<String>> m = byName(rs);
        assertThat(m).containsOnlyKeys("hello-world.default.federation.svc.fr.europe.example.com",
                "hello-world.default.federation.svc.europe.example.com");
    }

    @Test
    void sameRegionOtherZoneKeepsRegionAddresses() {
        Location de = new Location("de", "europe");
        ClusterId ger = new ClusterId("ger");
        var m = byName(planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10")), shard(ger, de, true, ip("192.0.2.20"))),
                FederationPlanner.OthersView.NONE));
        assertThat(m.get("hello-world.default.federation.svc.fr.europe.example.com"))
                .containsExactly("fcp=hello-world.default.federation.svc.europe.example.com");
        assertThat(m.get("hello-world.default.federation.svc.europe.example.com")).containsExactly("ger=192.0.2.20");
    }

    @Test
    void otherPublishersAddressesSuppressOurFallback() {
        // usa's publisher is another process; it holds an address at the global and america names
        DnsName global = DnsName.parse("hello-world.default.federation.svc.example.com");
        FederationPlanner.OthersView others = name -> name.equals(global) ? List.of(ip("198.51.100.10")) : List.of();
        var m = byName(planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10"))), others));
        assertThat(m).doesNotContainKey(global.toString());
        assertThat(m.get("hello-world.default.federation.svc.europe.example.com"))
                .containsExactly("fcp=hello-world.default.federation.svc.example.com");
        // another publisher with an address in europe: no fallback at the region
        DnsName europe = DnsName.parse("hello-world.default.federation.svc.europe.example.com");
        FederationPlanner.OthersView others2 = name -> name.equals(europe) ? List.of(ip("192.0.2.99")) : List.of();
        var m2 = byName(planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10"))), others2));
        assertThat(m2).doesNotContainKey(europe.toString());
        // the same fallback CNAME from another owner does not stop ours
        FederationPlanner.OthersView others3 = name -> name.equals(europe) ? List.of(new Target.Alias(global)) : List.of();
        assertThat(byName(planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10"))), others3))).containsKey(europe.toString());
    }

    @Test
    void aMembersNamesWithoutRecordsFallBackWrittenByEveryHolderOfTheService() {
        // fcp (fr/europe) is a member whose publisher is gone: nobody has records at its names
        List<Location> members = List.of(FR, US, CN);
        List<Shard> ours = List.of(shard(USA, US, true, ip("198.51.100.10")), shard(CHN, CN, true, ip("203.0.113.10")));
        Map<String, List<String>> m = byName(planner.plan(ours, FederationPlanner.OthersView.NONE, members));
        assertThat(m.get("hello-world.default.federation.svc.fr.europe.example.com")).containsExactly(
                "chn=hello-world.default.federation.svc.europe.example.com", "usa=hello-world.default.federation.svc.europe.example.com");
        assertThat(m.get("hello-world.default.federation.svc.europe.example.com")).containsExactly(
                "chn=hello-world.default.federation.svc.example.com", "usa=hello-world.default.federation.svc.example.com");
        assertThat(m.get("hello-world.default.federation.svc.us.america.example.com")).containsExactly("usa=198.51.100.10");
        assertThat(m.get("hello-world.default.federation.svc.example.com")).containsExactly("chn=203.0.113.10", "usa=198.51.100.10");
        // without the members, as before: nothing at fcp's names
        assertThat(byName(planner.plan(ours, FederationPlanner.OthersView.NONE))).doesNotContainKey(
                "hello-world.default.federation.svc.fr.europe.example.com");
        // while fcp publishes (addresses, or its own hostname CNAME), nothing of ours at its names
        DnsName fr = DnsName.parse("hello-world.default.federation.svc.fr.europe.example.com");
        DnsName europe = DnsName.parse("hello-world.default.federation.svc.europe.example.com");
        for (Target theirs : List.of(ip("192.0.2.10"), cname("lb.fcp.example.net"))) {
            FederationPlanner.OthersView fcpAlive = name -> name.equals(fr) || name.equals(europe) ? List.of(theirs) : List.of();
            assertThat(byName(planner.plan(ours, fcpAlive, members))).doesNotContainKeys(fr.toString(), europe.toString());
        }
        // fcp alive but its shard unhealthy: it writes the fallback, and ours is the same CNAME beside it
        FederationPlanner.OthersView fcpFallback = name -> name.equals(fr) ? List.of(new Target.Alias(europe)) : List.of();
        assertThat(byName(planner.plan(ours, fcpFallback, members)).get(fr.toString())).containsExactly(
                "chn=" + europe, "usa=" + europe);
        // a member in a region of ours: its zone falls back to the region, which holds our addresses
        Location de = new Location("de", "america");
        Map<String, List<String>> m2 = byName(planner.plan(ours, FederationPlanner.OthersView.NONE, List.of(de)));
        assertThat(m2.get("hello-world.default.federation.svc.de.america.example.com")).containsExactly(
                "chn=hello-world.default.federation.svc.america.example.com", "usa=hello-world.default.federation.svc.america.example.com");
        assertThat(m2.get("hello-world.default.federation.svc.america.example.com")).containsExactly("usa=198.51.100.10");
    }

    @Test
    void hostnameIngressIsACnameOnlyWhereNoAddress() {
        var m = byName(planner.plan(List.of(shard(FCP, FR, true, cname("lb.fcp.example.net")), shard(USA, US, true, ip("198.51.100.10"))),
                FederationPlanner.OthersView.NONE));
        assertThat(m.get("hello-world.default.federation.svc.fr.europe.example.com")).containsExactly("fcp=lb.fcp.example.net");
        assertThat(m.get("hello-world.default.federation.svc.europe.example.com")).containsExactly("fcp=lb.fcp.example.net");
        assertThat(m.get("hello-world.default.federation.svc.example.com")).containsExactly("usa=198.51.100.10");
        // two hostnames at one name: only the smallest
        var m2 = byName(planner.plan(List.of(shard(FCP, FR, true, cname("b.example.net"), cname("a.example.net"))),
                FederationPlanner.OthersView.NONE));
        assertThat(m2.get("hello-world.default.federation.svc.example.com")).containsExactly("fcp=a.example.net");
    }

    @Test
    void ipv6IngressAndDuplicates() {
        var rs = planner.plan(List.of(shard(FCP, FR, true, ip("2001:db8::10"), ip("192.0.2.10"), ip("192.0.2.10"))),
                FederationPlanner.OthersView.NONE);
        assertThat(byName(rs).get("hello-world.default.federation.svc.example.com")).containsExactly("fcp=192.0.2.10", "fcp=2001:db8::10");
    }

    @Test
    void planIsStableAndKeysAreDistinctPerOwner() {
        List<Shard> shards = List.of(shard(FCP, FR, true, ip("192.0.2.10")), shard(USA, FR, true, ip("192.0.2.10")));
        var a = planner.plan(shards, FederationPlanner.OthersView.NONE);
        var b = planner.plan(List.of(shards.get(1), shards.get(0)), FederationPlanner.OthersView.NONE);
        assertThat(a).isEqualTo(b);
        SkyDns sky = new SkyDns("/skydns");
        Map<String, String> kv = sky.toKeyValues(a);
        assertThat(kv).hasSize(a.size());
        Set<String> owners = kv.keySet().stream().map(k -> k.substring(k.lastIndexOf('/') + 1, k.lastIndexOf('-'))).collect(Collectors.toSet());
        assertThat(owners).containsExactlyInAnyOrder("fcp", "usa");
    }

    @Test
    void tableAndResolverFollowTheFallbackChain() {
        var rs = planner.plan(List.of(shard(FCP, FR, false, ip("192.0.2.10")), shard(USA, US, true, ip("198.51.100.10")),
                shard(CHN, CN, true, ip("203.0.113.10"), ip("2001:db8::1"))), FederationPlanner.OthersView.NONE);
        SkyDns sky = new SkyDns("/skydns");
        RecordTable table = new RecordTable(sky);
        sky.toKeyValues(rs).forEach(table::apply);
        ZoneResolver z = new ZoneResolver(DnsName.parse("example.com"), table);
        var r = (ZoneResolver.Answer) z.resolve(DnsName.parse("hello-world.default.federation.svc.fr.europe.example.com"), ZoneResolver.QType.A);
        assertThat(r.records()).extracting(x -> x.name() + " " + x.target().host()).containsExactly(
                "hello-world.default.federation.svc.fr.europe.example.com hello-world.default.federation.svc.europe.example.com",
                "hello-world.default.federation.svc.europe.example.com hello-world.default.federation.svc.example.com",
                "hello-world.default.federation.svc.example.com 198.51.100.10",
                "hello-world.default.federation.svc.example.com 203.0.113.10");
        var cn = (ZoneResolver.Answer) z.resolve(DnsName.parse("hello-world.default.federation.svc.fr.europe.example.com"), ZoneResolver.QType.CNAME);
        assertThat(cn.records()).hasSize(1);
        var six = (ZoneResolver.Answer) z.resolve(DnsName.parse("hello-world.default.federation.svc.example.com"), ZoneResolver.QType.AAAA);
        assertThat(six.records()).extracting(x -> x.target().host()).containsExactly("2001:db8::1");
        assertThat(z.resolve(DnsName.parse("hello-world.default.federation.svc.us.america.example.com"), ZoneResolver.QType.AAAA))
                .isInstanceOf(ZoneResolver.NoData.class);
        assertThat(z.resolve(DnsName.parse("default.federation.svc.example.com"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.NoData.class);
        assertThat(z.resolve(DnsName.parse("nope.default.federation.svc.example.com"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.NxDomain.class);
        assertThat(z.resolve(DnsName.parse("example.com"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.NoData.class);
        assertThat(z.resolve(DnsName.parse("example.org"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.NotInZone.class);
        // deleting every record makes the names vanish, ENTs included
        sky.toKeyValues(rs).keySet().forEach(k -> table.apply(k, null));
        assertThat(table.size()).isZero();
        assertThat(z.resolve(DnsName.parse("default.federation.svc.example.com"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.NxDomain.class);
    }

    @Test
    void resolverStopsLoopsAndLongChains() {
        SkyDns sky = new SkyDns("/skydns");
        RecordTable table = new RecordTable(sky);
        table.apply("/skydns/com/example/a/x", "{\"host\":\"b.example.com\"}");
        table.apply("/skydns/com/example/b/x", "{\"host\":\"a.example.com\"}");
        table.apply("/skydns/com/example/c/x", "{\"host\":\"www.example.org\"}");
        ZoneResolver z = new ZoneResolver(DnsName.parse("example.com"), table);
        assertThat(z.resolve(DnsName.parse("a.example.com"), ZoneResolver.QType.A)).isInstanceOf(ZoneResolver.ServFail.class);
        var out = (ZoneResolver.Answer) z.resolve(DnsName.parse("c.example.com"), ZoneResolver.QType.A);
        assertThat(out.records()).hasSize(1);
        Collection<Target> others = table.othersAt(DnsName.parse("a.example.com"), Set.of(FCP));
        assertThat(others).hasSize(1);
    }
}
