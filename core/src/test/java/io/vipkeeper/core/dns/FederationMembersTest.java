package io.vipkeeper.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FederationMembersTest {

    final SkyDns layout = new SkyDns("/skydns");
    final FederationMembers members = new FederationMembers(layout, new FederationNames("federation", DnsName.parse("example.com")));

    @Test
    void aMemberKeyIsATxtRecordBelowTheFederationThatNoServiceNameCanTake() {
        String key = members.key(new ClusterId("fcp"));
        assertThat(key).isEqualTo("/skydns/com/example/svc/federation/_members/fcp");
        assertThat(FederationMembers.value(new Location("fr", "europe"), 30)).isEqualTo("{\"text\":\"fr/europe\",\"ttl\":30}");
        // not a record of dns serve's (no host, and _members is not a label)
        assertThat(layout.parse(key, FederationMembers.value(new Location("fr", "europe"), 30))).isEmpty();
        assertThat(members.parse(key, "{\"text\":\"fr/europe\",\"ttl\":30}"))
                .contains(new FederationMembers.Member(new ClusterId("fcp"), new Location("fr", "europe")));
    }

    @Test
    void readsOnlyWellFormedMembersOfItsFederation() {
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/fcp", "{\"text\":\"fr/europe\"}")).isTrue();
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/fcp", "{\"text\":\"fr/europe\"}")).isFalse();
        assertThat(members.apply("/skydns/com/example/svc/fed2/_members/usa", "{\"text\":\"us/america\"}")).isFalse();
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/Bad_Id", "{\"text\":\"us/america\"}")).isFalse();
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/usa", "{\"text\":\"us.east/america\"}")).isFalse();
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/chn", "{\"host\":\"192.0.2.1\"}")).isFalse();
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/chn", "not json")).isFalse();
        assertThat(members.all()).containsExactly(new FederationMembers.Member(new ClusterId("fcp"), new Location("fr", "europe")));
        assertThat(members.locationOf(new ClusterId("fcp"))).contains(new Location("fr", "europe"));
        assertThat(members.apply("/skydns/com/example/svc/federation/_members/fcp", null)).isTrue();
        assertThat(members.all()).isEmpty();
        members.reset(Map.of("/skydns/com/example/svc/federation/_members/usa", "{\"text\":\"us/america\",\"ttl\":30}",
                "/skydns/com/example/svc/federation/default/web/usa-00000000", "{\"host\":\"192.0.2.1\"}"));
        assertThat(members.all()).containsExactly(new FederationMembers.Member(new ClusterId("usa"), new Location("us", "america")));
    }
}
