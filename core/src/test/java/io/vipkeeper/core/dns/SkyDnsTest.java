package io.vipkeeper.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.net.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SkyDnsTest {

    private final SkyDns sky = new SkyDns("/skydns");
    private final ClusterId fcp = new ClusterId("fcp");

    @Test
    void pathIsTheReversedLabelsLikeCorednsMsgPath() {
        // coredns plugin/etcd/msg/path.go: Path("service.staging.skydns.local.", "skydns") = /skydns/local/skydns/staging/service
        assertThat(sky.path(DnsName.parse("service.staging.skydns.local."))).isEqualTo("/skydns/local/skydns/staging/service");
        assertThat(sky.subtree(DnsName.parse("example.com"))).isEqualTo("/skydns/com/example/");
    }

    @Test
    void oneLeafKeyPerValueNamingTheCluster() {
        DnsName name = DnsName.parse("hello-world.default.federation.svc.fr.europe.example.com");
        OwnedRecord a = new OwnedRecord(name, new Target.Address(IpAddress.parse("192.0.2.10")), 30, fcp);
        String hash = SkyDns.fnv32a("192.0.2.10".getBytes(StandardCharsets.UTF_8));
        assertThat(sky.key(a)).isEqualTo("/skydns/com/example/europe/fr/svc/federation/default/hello-world/fcp-" + hash);
        assertThat(SkyDns.json(a.target(), 30)).isEqualTo("{\"host\":\"192.0.2.10\",\"ttl\":30}");
        OwnedRecord c = new OwnedRecord(name, new Target.Alias(DnsName.parse("hello-world.default.federation.svc.europe.example.com")), 30, fcp);
        assertThat(SkyDns.json(c.target(), 30)).isEqualTo("{\"host\":\"hello-world.default.federation.svc.europe.example.com\",\"ttl\":30}");
        assertThat(SkyDns.json(new Target.Address(IpAddress.parse("2001:DB8:0:0::1")), 5)).isEqualTo("{\"host\":\"2001:db8::1\",\"ttl\":5}");
    }

    @Test
    void fnvMatchesKnownVectors() {
        // FNV-1a 32 test vectors: "" -> 811c9dc5, "a" -> e40c292c, "foobar" -> bf9cf968
        assertThat(SkyDns.fnv32a(new byte[0])).isEqualTo("811c9dc5");
        assertThat(SkyDns.fnv32a("a".getBytes(StandardCharsets.UTF_8))).isEqualTo("e40c292c");
        assertThat(SkyDns.fnv32a("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo("bf9cf968");
    }

    @Test
    void readsBackOwnAndForeignKeys() {
        String key = "/skydns/com/example/svc/fed/default/web/fcp-0123abcd";
        StoredRecord r = sky.parse(key, "{\"host\":\"192.0.2.1\",\"ttl\":30}").orElseThrow();
        assertThat(r.name()).isEqualTo(DnsName.parse("web.default.fed.svc.example.com"));
        assertThat(r.ownerIfAny()).contains(fcp);
        assertThat(r.ttl()).isEqualTo(30);
        // etcdctl-style key, extra fields, no ttl: CoreDNS's default TTL, no owner
        StoredRecord x = sky.parse("/skydns/com/example/www/x1", "{\"host\":\"198.51.100.7\",\"priority\":10,\"group\":\"g\",\"x\":[1,{\"a\":null}]}").orElseThrow();
        assertThat(x.ownerIfAny()).isEmpty();
        assertThat(x.ttl()).isEqualTo(300);
        assertThat(x.name()).isEqualTo(DnsName.parse("www.example.com"));
    }

    @Test
    void skipsWhatIsNotARecord() {
        for (Map.Entry<String, String> e : Map.of(
                "/other/com/example/a/x", "{\"host\":\"192.0.2.1\"}",
                "/skydns/com/ex_ample/a/x", "{\"host\":\"192.0.2.1\"}",
                "/skydns/com/example/a/x", "{\"text\":\"hello\"}",
                "/skydns/com/example/b/x", "{\"host\":\"192.0.2.1\"",
                "/skydns/com/example/c/x", "{\"host\":\"not a host\"}",
                "/skydns/com/example/d/x", "{\"host\":\"192.0.2.1\",\"ttl\":-1}",
                "/skydns/com/example/e/x", "[]",
                "/skydns/com/example/f/x", "{\"host\":\"192.0.2.1\"} trailing").entrySet()) {
            assertThat(sky.parse(e.getKey(), e.getValue())).as(e.toString()).isEmpty();
        }
    }

    @Test
    void keyValuesAreSortedAndCollisionsReported() {
        DnsName n = DnsName.parse("a.example.com");
        List<OwnedRecord> rs = List.of(new OwnedRecord(n, new Target.Address(IpAddress.parse("192.0.2.2")), 30, fcp),
                new OwnedRecord(n, new Target.Address(IpAddress.parse("192.0.2.1")), 30, fcp));
        assertThat(sky.toKeyValues(rs)).hasSize(2).allSatisfy((k, v) -> assertThat(k).startsWith("/skydns/com/example/a/fcp-"));
    }

    @Test
    void tableResetReplacesEverything() {
        RecordTable t = new RecordTable(sky);
        assertThat(t.apply("/skydns/com/example/a/fcp-00000001", "{\"host\":\"192.0.2.1\"}")).isTrue();
        assertThat(t.apply("/skydns/com/example/a/fcp-00000001", "{\"host\":\"192.0.2.1\"}")).isFalse();
        t.reset(Map.of("/skydns/com/example/b/c/x", "{\"host\":\"192.0.2.2\",\"ttl\":5}"));
        assertThat(t.at(DnsName.parse("a.example.com"))).isEmpty();
        assertThat(t.exists(DnsName.parse("a.example.com"))).isFalse();
        assertThat(t.exists(DnsName.parse("b.example.com"))).isTrue();
        assertThat(t.at(DnsName.parse("c.b.example.com"))).singleElement().satisfies(r -> assertThat(r.ttl()).isEqualTo(5));
        assertThat(t.size()).isEqualTo(1);
    }

    @Test
    void diffWritesOnlyChanges() {
        RecordDiff d = RecordDiff.between(Map.of("a", "1", "b", "2", "c", "3"), Map.of("a", "1", "b", "9", "d", "4"));
        assertThat(d.puts()).containsExactlyInAnyOrderEntriesOf(Map.of("b", "9", "d", "4"));
        assertThat(d.deletes()).containsExactly("c");
        assertThat(RecordDiff.between(Map.of("a", "1"), Map.of("a", "1")).isEmpty()).isTrue();
    }
}
