package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.VridRange;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.render.KeepalivedConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VrrpPlanTest {

    static List<IpAddress> vips(int n) {
        List<IpAddress> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(ip("192.0.2.0").plus(i));
        }
        return out;
    }

    @Test
    void vridsAreUniqueInRangeAndDeterministic() {
        VridRange range = new VridRange(50, 99);
        Map<IpAddress, Integer> a = VridAssigner.assign(vips(50), range);
        assertThat(a).hasSize(50);
        assertThat(new HashSet<>(a.values())).hasSize(50);
        assertThat(a.values()).allMatch(v -> v >= 50 && v <= 99);
        List<IpAddress> shuffled = new ArrayList<>(vips(50));
        java.util.Collections.reverse(shuffled);
        assertThat(VridAssigner.assign(shuffled, range)).isEqualTo(a);
        // more VIPs than ids: the rest get none
        assertThat(VridAssigner.assign(vips(60), range)).hasSize(50);
    }

    @Test
    void aVipOnItsHomeIdKeepsItWhenOthersComeAndGo() {
        VridRange range = new VridRange(1, 255);
        List<IpAddress> base = vips(20);
        Map<IpAddress, Integer> before = VridAssigner.assign(base, range);
        List<IpAddress> more = new ArrayList<>(base);
        more.add(ip("198.51.100.77"));
        more.remove(3);
        Map<IpAddress, Integer> after = VridAssigner.assign(more, range);
        for (IpAddress v : base) {
            if (after.containsKey(v) && before.get(v) == range.first() + VridAssigner.home(v, range)) {
                assertThat(after.get(v)).as("VRID of %s", v).isEqualTo(before.get(v));
            }
        }
    }

    @Test
    void perVipMastersSpreadOverNodes() {
        List<String> nodes = List.of("node-a", "node-b", "node-c");
        Map<String, Integer> top = new HashMap<>();
        for (IpAddress v : vips(300)) {
            List<Integer> prios = nodes.stream().map(n -> Priorities.perVip(v, nodes, n)).toList();
            assertThat(new HashSet<>(prios)).hasSize(3); // distinct: no ties
            for (String n : nodes) {
                if (Priorities.perVip(v, nodes, n) == Priorities.TOP) {
                    top.merge(n, 1, Integer::sum);
                }
            }
        }
        assertThat(top.values()).hasSize(3).allMatch(c -> c > 70 && c < 130);
    }

    @Test
    void perVipPrioritiesAreSpacedAndAHeldBackNodeRanksBelowEveryOther() {
        assertThat(List.of("a", "b", "c").stream().map(n -> Priorities.perVip(ip("192.0.2.10"), List.of("a", "b", "c"), n)).sorted().toList())
                .containsExactly(102, 151, 200);
        assertThat(Priorities.perVip(ip("192.0.2.10"), List.of("a"), "a")).isEqualTo(Priorities.TOP);
        for (int count = 2; count <= 100; count++) {
            List<String> nodes = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                nodes.add("node-" + i);
            }
            for (IpAddress v : vips(5)) {
                List<Integer> prios = nodes.stream().map(n -> Priorities.perVip(v, nodes, n)).sorted().toList();
                for (int i = 1; i < count; i++) {
                    // skews step/256 of an advert apart: at least 0.2 ms at 0.1 s up to 100 nodes, 19 ms with 2 or 3
                    assertThat(prios.get(i) - prios.get(i - 1)).as("%d nodes: %s", count, prios)
                            .isEqualTo(Math.max(1, Math.min(49, 99 / (count - 1))));
                }
                assertThat(prios.get(count - 1)).isEqualTo(Priorities.TOP);
                for (int p : prios) {
                    int heldBack = p + AgentPlan.syncGateWeight(p);
                    assertThat(heldBack).as("%d nodes: %d held back", count, p).isLessThan(prios.get(0)).isPositive();
                }
            }
        }
    }

    @Test
    void plansInstancesPerModeAndFamily() {
        NodeIdentity id = NodeIdentity.resolve("node-a", List.of(
                new NodeInfo("node-a", List.of(), List.of(ip("192.0.2.1"))),
                new NodeInfo("node-b", List.of(), List.of(ip("192.0.2.2")))), null);
        Resolution r = new Resolution(List.of(new ResolvedVip(ip("192.0.2.10"), List.of(), false),
                new ResolvedVip(ip("192.0.2.11"), List.of(), true),
                new ResolvedVip(ip("2001:db8::10"), List.of(), false)), List.of());
        AgentPlan single = AgentPlanner.plan(r, id, settings().build());
        assertThat(single.instances()).extracting(VrrpInstance::name).containsExactly("vips", "vips6");
        AgentPlan unicast = AgentPlanner.plan(r, id, settings().useUnicast(true).build());
        assertThat(unicast.instances()).extracting(VrrpInstance::name).containsExactly("vips");
        assertThat(unicast.instances().get(0).peers()).containsExactly(ip("192.0.2.2"));
        assertThat(unicast.reports()).extracting(Report::kind).containsExactly(Report.Kind.NOT_HELD);
        AgentSettings pv = settings().instanceMode(InstanceMode.PER_VIP).build();
        AgentPlan perVip = AgentPlanner.plan(r, id, pv);
        assertThat(perVip.instances()).extracting(VrrpInstance::name)
                .containsExactly("vip_192_0_2_10", "vip_192_0_2_11", "vip_2001_db8__10");
        assertThat(perVip.instances().get(1).trackFilePath()).isEqualTo("/run/vipkeeper/local/192_0_2_11");
        AgentPlan v2 = AgentPlanner.plan(r, id, settings().vrrpVersion(2).build());
        assertThat(v2.instances()).hasSize(1);
    }

    @Test
    void noVipRendersNoInstance() {
        NodeIdentity id = NodeIdentity.resolve("node-a", List.of(), ip("192.0.2.1"));
        AgentPlan plan = AgentPlanner.plan(new Resolution(List.of(), List.of()), id, settings().build());
        String conf = KeepalivedConfig.render(plan);
        assertThat(conf).doesNotContain("vrrp_instance").contains("global_defs");
    }
}
