package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.VridRange;
import io.vipkeeper.core.bgp.BgpSplit;
import io.vipkeeper.core.bgp.BgpVip;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pools' placements in the planner: nodeSelector, interface, announce bgp (docs/agent.md, "Pool placement"). */
class PlacementPlanTest {

    static final List<NodeInfo> NODES = List.of(
            new NodeInfo("node-a", List.of(), List.of(ip("192.0.2.11")), List.of(), Map.of("rack", "r1")),
            new NodeInfo("node-b", List.of(), List.of(ip("192.0.2.12")), List.of(), Map.of("rack", "r2")));

    /** 192.0.2.100 is in no published pool (default); prod = 198.51.100.0/28, edge = 203.0.113.0/28. */
    static final Map<String, String> TABLE = Map.of("192.0.2.100", "", "198.51.100.1", "", "198.51.100.2", "",
            "203.0.113.1", "", "2001-db8--1", "");

    static PoolPlacements placements(Object tree) {
        return new PoolPlacements(PoolPlacementCodec.fromTree(tree));
    }

    static Map<String, Object> pool(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static AgentPlan plan(String node, PoolPlacements p, AgentSettings s) {
        ClusterSnapshot observed = new ClusterSnapshot(VipConfigMapCodec.decode(TABLE), List.of(), List.of(), NODES,
                List.of(), p, null);
        return AgentPlanner.plan(observed, node, null, s);
    }

    static List<IpAddress> held(AgentPlan plan) {
        return plan.instances().stream().flatMap(i -> i.vips().stream()).sorted().toList();
    }

    final PoolPlacements rackAndIface = placements(Map.of(
            "prod", pool("addresses", List.of("198.51.100.0/28"), "nodeSelector", Map.of("matchLabels", Map.of("rack", "r1"))),
            "edge", pool("addresses", List.of("203.0.113.0/28", "2001:db8::/124"), "interface", "eth1")));

    @Test
    void aVipWhosePoolSelectsOtherNodesIsNotHeldHere() {
        for (InstanceMode mode : InstanceMode.values()) {
            AgentSettings s = settings().instanceMode(mode).build();
            AgentPlan a = plan("node-a", rackAndIface, s);
            AgentPlan b = plan("node-b", rackAndIface, s);
            assertThat(held(a)).as(mode.name()).contains(ip("198.51.100.1"), ip("198.51.100.2"), ip("192.0.2.100"));
            assertThat(held(b)).as(mode.name()).doesNotContain(ip("198.51.100.1"), ip("198.51.100.2")).contains(ip("192.0.2.100"));
            assertThat(b.vips()).extracting(ResolvedVip::vip).doesNotContain(ip("198.51.100.1"));
            assertThat(b.reports()).filteredOn(r -> r.subject().toString().equals("198.51.100.1")).singleElement()
                    .satisfies(r -> assertThat(r.kind()).isEqualTo(Report.Kind.NOT_HELD));
            assertThat(KeepalivedConfig.render(b)).doesNotContain("198.51.100.1");
        }
    }

    @Test
    void singleModeGivesAPoolWithItsOwnPlacementItsOwnInstancesWithVridsAllNodesAgreeOn() {
        AgentSettings s = settings().build();
        AgentPlan a = plan("node-a", rackAndIface, s);
        AgentPlan b = plan("node-b", rackAndIface, s);
        assertThat(a.instances()).extracting(VrrpInstance::name)
                .containsExactlyInAnyOrder("vips", "vips_edge", "vips6_edge", "vips_prod");
        assertThat(b.instances()).extracting(VrrpInstance::name).containsExactlyInAnyOrder("vips", "vips_edge", "vips6_edge");
        Map<String, VrrpInstance> byName = new LinkedHashMap<>();
        a.instances().forEach(i -> byName.put(i.name(), i));
        assertThat(byName.get("vips").vrid()).isEqualTo(50);
        assertThat(byName.get("vips").iface()).isNull();
        assertThat(byName.get("vips_edge").iface()).isEqualTo(InterfaceName.parse("eth1"));
        assertThat(byName.get("vips_edge").vips()).containsExactly(ip("203.0.113.1"));
        assertThat(byName.get("vips_prod").vips()).containsExactly(ip("198.51.100.1"), ip("198.51.100.2"));
        assertThat(byName.get("vips_prod").vrid()).isNotEqualTo(50).isNotEqualTo(byName.get("vips_edge").vrid()).isBetween(50, 99);
        for (VrrpInstance i : b.instances()) {
            assertThat(i.vrid()).as(i.name()).isEqualTo(byName.get(i.name()).vrid());
        }
        String conf = KeepalivedConfig.render(a);
        assertThat(conf).contains("vrrp_instance vips_edge {\n  state BACKUP\n  interface eth1\n",
                "vrrp_instance vips {\n  state BACKUP\n  interface eth0\n");
    }

    @Test
    void perVipModePutsEachVipOnItsPoolsInterfaceWithTheSameVridOnEveryNode() {
        AgentSettings s = settings().instanceMode(InstanceMode.PER_VIP).build();
        AgentPlan a = plan("node-a", rackAndIface, s);
        AgentPlan b = plan("node-b", rackAndIface, s);
        Map<String, VrrpInstance> byName = new LinkedHashMap<>();
        a.instances().forEach(i -> byName.put(i.name(), i));
        assertThat(byName.get("vip_203_0_113_1").iface()).isEqualTo(InterfaceName.parse("eth1"));
        assertThat(byName.get("vip_2001_db8__1").iface()).isEqualTo(InterfaceName.parse("eth1"));
        assertThat(byName.get("vip_192_0_2_100").iface()).isNull();
        for (VrrpInstance i : b.instances()) {
            assertThat(i.vrid()).as(i.name()).isEqualTo(byName.get(i.name()).vrid());
        }
        // node-b does not hold prod's VIPs, yet its other VIPs keep the ids they have without placements on node-a
        AgentPlan unplaced = plan("node-a", PoolPlacements.NONE, s);
        for (VrrpInstance i : unplaced.instances()) {
            assertThat(byName.get(i.name()).vrid()).as(i.name()).isEqualTo(i.vrid());
        }
        assertThat(KeepalivedConfig.render(a)).contains("vrrp_instance vip_203_0_113_1 {\n  state BACKUP\n  interface eth1\n");
    }

    /** Many VIPs in a small range collide: ids must still not depend on which VIPs a node's labels let it hold. */
    @Test
    void vridsDoNotDependOnTheNodesLabels() {
        Map<String, String> table = new HashMap<>();
        for (int i = 1; i <= 40; i++) {
            table.put("192.0.2." + (100 + i), "");
            table.put("198.51.100." + i, "");
        }
        PoolPlacements r1 = placements(Map.of("prod", pool("addresses", List.of("198.51.100.0/26"),
                "nodeSelector", Map.of("matchLabels", Map.of("rack", "r1")))));
        AgentSettings s = settings().instanceMode(InstanceMode.PER_VIP).vridRange(new VridRange(50, 149)).build();
        Map<String, Integer> onA = new LinkedHashMap<>();
        for (String node : List.of("node-a", "node-b")) {
            AgentPlan p = AgentPlanner.plan(new ClusterSnapshot(VipConfigMapCodec.decode(table), List.of(), List.of(), NODES,
                    List.of(), r1, null), node, null, s);
            for (VrrpInstance i : p.instances()) {
                if (node.equals("node-a")) {
                    onA.put(i.name(), i.vrid());
                } else {
                    assertThat(i.vrid()).as(i.name() + " on node-b").isEqualTo(onA.get(i.name()));
                }
            }
            assertThat(p.instances()).hasSize(node.equals("node-a") ? 80 : 40);
        }
    }

    @Test
    void bgpVipsGetNoInstanceAndAreListedWithTheirCommunitiesAndKeepTheirDataPlane() {
        PoolPlacements bgp = placements(Map.of("prod", pool("addresses", List.of("198.51.100.0/28"), "announce", "bgp",
                "communities", List.of("64512:100", "64512:200"), "localPref", 150,
                "nodeSelector", Map.of("matchLabels", Map.of("rack", "r1")))));
        for (InstanceMode mode : InstanceMode.values()) {
            AgentSettings s = settings().instanceMode(mode).build();
            AgentPlan a = plan("node-a", bgp, s);
            assertThat(held(a)).as(mode.name()).doesNotContain(ip("198.51.100.1"), ip("198.51.100.2"));
            assertThat(BgpSplit.split(a, bgp, Announce.VRRP, Map.of("rack", "r1")).announced()).containsExactly(
                    new BgpVip(ip("198.51.100.1"), List.of(new BgpCommunity(64512, 100), new BgpCommunity(64512, 200)), 150L),
                    new BgpVip(ip("198.51.100.2"), List.of(new BgpCommunity(64512, 100), new BgpCommunity(64512, 200)), 150L));
            assertThat(a.vips()).extracting(ResolvedVip::vip).contains(ip("198.51.100.1"), ip("198.51.100.2"));
            assertThat(KeepalivedConfig.render(a)).doesNotContain("198.51.100.1");
            // the nodeSelector applies to BGP too: node-b does not announce them
            assertThat(plan("node-b", bgp, s).vips()).extracting(ResolvedVip::vip).doesNotContain(ip("198.51.100.1"));
        }
        // BGP VIPs take no VRID: the VRRP VIPs keep theirs
        AgentSettings pv = settings().instanceMode(InstanceMode.PER_VIP).build();
        assertThat(plan("node-a", bgp, pv).instances()).extracting(VrrpInstance::vrid).doesNotHaveDuplicates();
    }

    @Test
    void defaultPlacementsAndNoAnnotationPlanAlike() {
        PoolPlacements defaults = placements(Map.of("prod", pool("addresses", List.of("198.51.100.0/28"), "announce", "vrrp")));
        for (InstanceMode mode : InstanceMode.values()) {
            AgentSettings s = settings().instanceMode(mode).build();
            assertThat(KeepalivedConfig.render(plan("node-a", defaults, s)))
                    .isEqualTo(KeepalivedConfig.render(plan("node-a", PoolPlacements.NONE, s)));
        }
    }

    @Test
    void aRefusedAnnotationIsReportedAsARefusedEntry() {
        ClusterSnapshot observed = new ClusterSnapshot(VipConfigMapCodec.decode(TABLE), List.of(), List.of(), NODES,
                List.of(), PoolPlacements.NONE, "vipkeeper.io/pool-placement: pool \"x\": unknown field \"y\"");
        AgentPlan plan = AgentPlanner.plan(observed, "node-a", null, settings().build());
        assertThat(plan.reports()).filteredOn(r -> r.kind() == Report.Kind.ENTRY_REFUSED).singleElement()
                .satisfies(r -> assertThat(r.toString()).isEqualTo("ENTRY_REFUSED \"vipkeeper.io/pool-placement\": "
                        + "vipkeeper.io/pool-placement: pool \"x\": unknown field \"y\"; the last good placement stays in force"));
        assertThat(held(plan)).hasSize(5);
    }

    @Test
    void poolVridsSkipTheSingleVridAndAreStable() {
        VridRange range = new VridRange(50, 52);
        Map<String, Integer> ids = VridAssigner.assignPools(List.of("c", "a", "b"), range, 51);
        assertThat(ids).hasSize(2).doesNotContainValue(51);
        assertThat(VridAssigner.assignPools(List.of("b", "c", "a"), range, 51)).isEqualTo(ids);
    }
}
