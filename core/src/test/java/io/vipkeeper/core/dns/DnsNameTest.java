package io.vipkeeper.core.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.names.ServiceRef;
import org.junit.jupiter.api.Test;

class DnsNameTest {

    @Test
    void parsesAndFoldsCase() {
        DnsName n = DnsName.parse("Hello-World.Example.COM.");
        assertThat(n.labels()).containsExactly("hello-world", "example", "com");
        assertThat(n.toString()).isEqualTo("hello-world.example.com");
        assertThat(n.fqdn()).isEqualTo("hello-world.example.com.");
        assertThat(n.parent()).isEqualTo(DnsName.parse("example.com"));
        assertThat(n.isSubdomainOf(DnsName.parse("example.com"))).isTrue();
        assertThat(n.isSubdomainOf(DnsName.parse("ample.com"))).isFalse();
        assertThat(DnsName.parse(".")).isEqualTo(DnsName.ROOT);
    }

    @Test
    void refusesWhatCannotBeAHostname() {
        for (String bad : new String[] {"", "a..b", "-a.com", "a-.com", "under_score.com", "dot.", "sp ace.com", "a/b",
                "x".repeat(64) + ".com", "\u00e9t\u00e9.fr", ("a".repeat(63) + ".").repeat(4) + "com"}) {
            if (bad.equals("dot.")) {
                assertThat(DnsName.tryParse(bad)).isPresent();
                continue;
            }
            assertThat(DnsName.tryParse(bad)).as(bad).isEmpty();
        }
        assertThatThrownBy(() -> DnsName.parse("bad_name.com")).isInstanceOf(InvalidInputException.class).hasMessageContaining("bad_name");
    }

    @Test
    void labelsAreChecked() {
        assertThat(DnsLabel.isValid("fr")).isTrue();
        assertThat(DnsLabel.isValid("us-east-1a")).isTrue();
        assertThat(DnsLabel.isValid("Fr")).isFalse();
        assertThat(DnsLabel.parse("Fr")).isEqualTo("fr");
        assertThat(DnsLabel.isValid("eu.west")).isFalse();
        assertThat(DnsLabel.isValid("a".repeat(63))).isTrue();
        assertThat(DnsLabel.isValid("a".repeat(64))).isFalse();
        assertThatThrownBy(() -> new ServiceRef("default", "Bad_Name")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void clusterIdsFromContexts() {
        assertThat(ClusterId.fromContext("fcp").value()).isEqualTo("fcp");
        ClusterId odd = ClusterId.fromContext("kubernetes-admin@kubernetes");
        assertThat(DnsLabel.isValid(odd.value())).isTrue();
        assertThat(odd.value()).startsWith("kubernetes-admin-kubernetes-");
        assertThat(ClusterId.fromContext("kubernetes-admin@Kubernetes")).isNotEqualTo(odd);
        assertThat(ClusterId.fromContext("@@@").value()).startsWith("c-");
    }

    @Test
    void federationNamesAreRecognised() {
        FederationNames f = new FederationNames("federation", DnsName.parse("example.com"));
        ServiceRef k = new ServiceRef("default", "hello-world");
        assertThat(f.covers(f.global(k))).isTrue();
        assertThat(f.covers(f.region(k, "europe"))).isTrue();
        assertThat(f.covers(f.zone(k, new Location("fr", "europe")))).isTrue();
        assertThat(f.covers(new FederationNames("fed2", DnsName.parse("example.com")).global(k))).isFalse();
        assertThat(f.covers(DnsName.parse("www.example.com"))).isFalse();
        assertThat(f.covers(DnsName.parse("a.b.federation.svc.x.y.z.example.com"))).isFalse();
    }

    @Test
    void locations() {
        assertThat(Location.parse("fr/europe")).isEqualTo(new Location("fr", "europe"));
        assertThatThrownBy(() -> Location.parse("fr")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Location.parse("f.r/europe")).isInstanceOf(InvalidInputException.class);
    }
}
