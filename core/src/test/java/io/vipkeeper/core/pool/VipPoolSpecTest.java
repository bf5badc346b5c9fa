package io.vipkeeper.core.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** A VipPool spec as Jackson reads it (maps, lists, strings, numbers, booleans) into typed values, refusing what does not parse. */
class VipPoolSpecTest {

    static Map<String, Object> full() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("addresses", List.of("198.51.100.0/28", "198.51.100.40-198.51.100.50", "2001:db8::/124"));
        spec.put("autoAssign", false);
        spec.put("avoidBuggyIPs", true);
        spec.put("serviceAllocation", Map.of("priority", 10, "namespaces", List.of("team-a"),
                "namespaceSelector", Map.of("matchLabels", Map.of("team", "a")),
                "serviceSelector", Map.of("matchExpressions", List.of(Map.of("key", "tier", "operator", "In", "values", List.of("front"))))));
        spec.put("nodeSelector", Map.of("matchLabels", Map.of("rack", "r1")));
        spec.put("interface", "eth1");
        spec.put("forwardMethod", "DR");
        spec.put("announce", "bgp");
        spec.put("bgp", Map.of("communities", List.of("64512:100"), "localPref", 100));
        return spec;
    }

    @Test
    void everyFieldIsParsedIntoTypedValues() {
        VipPoolSpec s = VipPoolSpec.parse("prod", full());
        AddressPool p = s.pool();
        assertThat(p.name()).isEqualTo("prod");
        assertThat(p.ranges()).hasSize(3);
        assertThat(p.size(IpFamily.IPv4)).isEqualTo(BigInteger.valueOf(14 + 11)); // /28 without network and broadcast
        assertThat(p.size(IpFamily.IPv6)).isEqualTo(BigInteger.valueOf(16));
        assertThat(p.autoAssign()).isFalse();
        assertThat(p.avoidBuggyIps()).isTrue();
        assertThat(p.priority()).isEqualTo(10);
        assertThat(p.namespaces()).containsExactly("team-a");
        assertThat(p.allows("team-a", Map.of("team", "a"), Map.of("tier", "front"))).isTrue();
        assertThat(p.allows("team-a", Map.of("team", "b"), Map.of("tier", "front"))).isFalse();
        assertThat(p.allows("team-a", Map.of("team", "a"), Map.of("tier", "back"))).isFalse();
        assertThat(p.allows("team-b", Map.of("team", "a"), Map.of("tier", "front"))).isFalse();
        assertThat(s.forwardMethod()).isEqualTo(ForwardMethod.DR);
        PoolPlacement pl = s.placement();
        assertThat(pl.announce()).isEqualTo(Announce.BGP);
        assertThat(pl.iface().name()).isEqualTo("eth1");
        assertThat(pl.nodeSelector().matches(Map.of("rack", "r1"))).isTrue();
        assertThat(pl.communities()).containsExactly(new BgpCommunity(64512, 100));
        assertThat(pl.localPref()).isEqualTo(100L);
        assertThat(pl.contains(IpAddress.parse("198.51.100.45"))).isTrue();
        assertThat(s.summary()).isEqualTo("198.51.100.0/28 +2");
    }

    @Test
    void onlyAddressesGivesTheDefaults() {
        VipPoolSpec s = VipPoolSpec.parse("lan", Map.of("addresses", List.of("192.0.2.200/29")));
        assertThat(s.pool().autoAssign()).isTrue();
        assertThat(s.pool().avoidBuggyIps()).isFalse();
        assertThat(s.pool().priority()).isNull();
        assertThat(s.pool().namespaceSelector()).isNull();
        assertThat(s.pool().serviceSelector()).isNull();
        assertThat(s.placement().isDefault()).isTrue();
        assertThat(s.forwardMethod()).isNull();
        assertThat(s.summary()).isEqualTo("192.0.2.200/29");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "addresses          | []                  | spec.addresses is empty",
        "addresses          | [not-an-ip]         | spec.addresses:",
        "addresses          | [192.0.2.0/28, 192.0.2.8/29] | spec.addresses: pool p: ",
        "addresses          | 192.0.2.0/28        | spec.addresses is not a list",
        "autoAssign         | yes                 | spec.autoAssign is not true or false",
        "interface          | 'eth 1'             | spec.interface:",
        "forwardMethod      | TUN                 | spec.forwardMethod:",
        "announce           | ospf                | spec.announce:",
        "colour             | blue                | spec: unknown field \"colour\"",
        "priority           | -1                  | spec.serviceAllocation.priority is out of range: -1",
        "priority           | 1.5                 | spec.serviceAllocation.priority is not a whole number",
        "namespaces         | [Team_A]            | spec.serviceAllocation.namespaces: not a valid namespace name",
        "namespaceSelector  | bad                 | spec.serviceAllocation.namespaceSelector is not an object",
        "serviceSelector    | op                  | spec.serviceAllocation.serviceSelector",
        "nodeSelector       | bad                 | spec.nodeSelector is not an object",
        "communities        | [65536:1]           | spec.bgp.communities:",
        "localPref          | 4294967296          | spec.bgp.localPref is out of range",
    })
    void whatDoesNotParseIsRefusedNamingTheField(String field, String value, String message) {
        Map<String, Object> spec = new LinkedHashMap<>(Map.of("addresses", List.of("192.0.2.0/28")));
        Object v = value.startsWith("[") ? (value.equals("[]") ? List.of() : List.of(value.substring(1, value.length() - 1).split(", ")))
                : value.matches("-?[0-9]+") ? (Object) Long.parseLong(value) : value.matches("[0-9.]+") ? (Object) Double.parseDouble(value) : value;
        switch (field) {
            case "priority", "namespaces", "namespaceSelector" -> spec.put("serviceAllocation", Map.of(field, v));
            case "serviceSelector" -> spec.put("serviceAllocation", Map.of(field,
                    Map.of("matchExpressions", List.of(Map.of("key", "tier", "operator", "Near", "values", List.of("x"))))));
            case "communities", "localPref" -> spec.put("bgp", Map.of(field, v));
            default -> spec.put(field, v);
        }
        assertThatThrownBy(() -> VipPoolSpec.parse("p", spec)).isInstanceOf(InvalidInputException.class).hasMessageStartingWith(message);
    }

    @Test
    void missingAddressesAndBadNameAreRefused() {
        assertThatThrownBy(() -> VipPoolSpec.parse("p", Map.of())).hasMessage("spec.addresses is missing");
        assertThatThrownBy(() -> VipPoolSpec.parse("p", null)).hasMessage("spec is missing");
        assertThatThrownBy(() -> VipPoolSpec.parse("bad/name", Map.of("addresses", List.of("192.0.2.0/28"))))
                .hasMessageStartingWith("metadata.name: not a valid pool name");
    }
}
