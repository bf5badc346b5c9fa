package io.vipkeeper.core.render;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.plan.AgentPlanner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What an instance advertises: the same on every node whatever its VIP list (keepalived #1603). */
class KeepalivedConfigTest {

    static final Pattern ADVERTISED = Pattern.compile("(?s)  virtual_ipaddress \\{\\n(.*?)  \\}\\n");

    static String render(AgentSettings s, String... vips) {
        List<ResolvedVip> resolved = Arrays.stream(vips).map(v -> new ResolvedVip(ip(v), List.of(), false)).toList();
        NodeIdentity id = NodeIdentity.resolve("node-a", List.of(), ip("192.0.2.1"));
        return KeepalivedConfig.render(AgentPlanner.plan(new Resolution(resolved, List.of()), id, s));
    }

    static List<String> advertised(String conf) {
        Matcher m = ADVERTISED.matcher(conf);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void singleModeAdvertisesTheSameWhateverTheVipList() {
        AgentSettings s = settings().build();
        String before = render(s, "198.51.100.10", "198.51.100.11", "2001:db8::10");
        String after = render(s, "198.51.100.10", "198.51.100.11", "198.51.100.12", "2001:db8::10", "2001:db8::11");
        assertThat(advertised(before)).isEqualTo(advertised(after))
                .containsExactly("    127.255.0.50 dev lo scope host\n", "    100::32 dev lo\n");
        // every VIP is still held by the instance, as an excluded (not advertised) address
        assertThat(after).contains("  virtual_ipaddress_excluded {\n    198.51.100.10\n    198.51.100.11\n    198.51.100.12\n  }\n")
                .contains("  virtual_ipaddress_excluded {\n    2001:db8::10\n    2001:db8::11\n  }\n");
    }

    @Test
    void advertiseVipsKeepsTheVipsInTheAdverts() {
        AgentSettings s = settings().advertiseVips(true).build();
        String conf = render(s, "198.51.100.10", "198.51.100.11");
        assertThat(advertised(conf)).containsExactly("    198.51.100.10\n    198.51.100.11\n");
        assertThat(conf).doesNotContain("virtual_ipaddress_excluded").doesNotContain(" dev lo");
    }

    @Test
    void perVipInstancesAdvertiseTheirVip() {
        AgentSettings s = settings().instanceMode(InstanceMode.PER_VIP).build();
        String conf = render(s, "198.51.100.10");
        assertThat(advertised(conf)).containsExactly("    198.51.100.10\n");
        assertThat(conf).doesNotContain(" dev lo");
    }

    @Test
    void placeholdersAreDistinctPerInstanceAndNeverRoutable() {
        for (int vrid = 1; vrid <= 255; vrid++) {
            IpAddress v4 = KeepalivedConfig.advertPlaceholder(IpFamily.IPv4, vrid);
            IpAddress v6 = KeepalivedConfig.advertPlaceholder(IpFamily.IPv6, vrid);
            assertThat(v4).isEqualTo(ip("127.255.0.0").plus(vrid));
            assertThat(v6).isEqualTo(ip("100::").plus(vrid));
        }
    }
}
