package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.bgp.BgpSplit;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A planned handover: which nodes step down, given their labels, cordon and --handover-on-cordon (issue #12). */
class HandoverPlanTest {

    static final Map<String, String> EXCLUDED = Map.of(Handover.EXCLUDE_LABEL, "");

    static NodeInfo node(String name, String ip, Map<String, String> labels, boolean unschedulable) {
        return new NodeInfo(name, List.of(), List.of(ip(ip)), List.of(), labels, unschedulable);
    }

    @Test
    void theLabelWithAnyValueHandsOverCordonOnlyWithTheFlagAndTheLabelIsTheReasonWhenBothApply() {
        assertThat(Handover.of(node("a", "192.0.2.11", Map.of(), false), true)).isEmpty();
        assertThat(Handover.of(node("a", "192.0.2.11", Map.of("rack", "r1"), false), false)).isEmpty();
        assertThat(Handover.of(node("a", "192.0.2.11", EXCLUDED, false), false)).contains(Handover.LABEL);
        assertThat(Handover.of(node("a", "192.0.2.11", Map.of(Handover.EXCLUDE_LABEL, "false"), false), false))
                .as("the convention looks at the key only").contains(Handover.LABEL);
        assertThat(Handover.of(node("a", "192.0.2.11", Map.of(), true), false)).as("cordoned, flag off").isEmpty();
        assertThat(Handover.of(node("a", "192.0.2.11", Map.of(), true), true)).contains(Handover.CORDON);
        assertThat(Handover.of(node("a", "192.0.2.11", EXCLUDED, true), true)).contains(Handover.LABEL);
        assertThat(Handover.of(null, true)).as("this node not among the Nodes (--node-ip)").isEmpty();
    }

    static AgentPlan plan(String self, List<NodeInfo> nodes, AgentSettings s, PoolPlacements placements) {
        ClusterSnapshot observed = new ClusterSnapshot(VipConfigMapCodec.decode(Map.of("192.0.2.100", "", "192.0.2.101", "")),
                List.of(), List.of(), nodes, List.of(), placements, null);
        return AgentPlanner.plan(observed, self, null, s);
    }

    @Test
    void aLabelledNodeKeepsItsInstancesAndDataPlaneAndPutsThemInFaultThroughTheNodeTrackFile() {
        for (InstanceMode mode : InstanceMode.values()) {
            AgentSettings s = settings().instanceMode(mode).build();
            List<NodeInfo> nodes = List.of(node("node-a", "192.0.2.11", EXCLUDED, false), node("node-b", "192.0.2.12", Map.of(), false));
            AgentPlan a = plan("node-a", nodes, s, PoolPlacements.NONE);
            AgentPlan b = plan("node-b", nodes, s, PoolPlacements.NONE);
            assertThat(a.handover()).as(mode.name()).isEqualTo(Handover.LABEL);
            assertThat(b.handover()).as(mode.name() + ": the peer is eligible").isNull();
            // the same configuration as an eligible node's: no reload, and what still arrives is forwarded
            assertThat(a.instances()).as(mode.name()).isNotEmpty().isEqualTo(plan("node-a", List.of(node("node-a", "192.0.2.11",
                    Map.of(), false), nodes.get(1)), s, PoolPlacements.NONE).instances());
            assertThat(a.vips()).as(mode.name()).hasSize(2);
            assertThat(a.trackFiles()).as(mode.name()).contains(new TrackFile(s.runDir() + "/node-eligible", false));
            assertThat(b.trackFiles()).as(mode.name()).contains(new TrackFile(s.runDir() + "/node-eligible", true));
            String conf = KeepalivedConfig.render(a);
            assertThat(conf).as(mode.name()).isEqualTo(KeepalivedConfig.render(new AgentPlan(a.settings(), a.vips(), a.instances(),
                    a.reports(), a.sync(), null)));
            assertThat(conf).contains("track_file node_eligible {\n  file \"" + s.runDir() + "/node-eligible\"\n  weight 1\n  init_file 0\n}\n");
            int instances = conf.split("\nvrrp_instance ", -1).length - 1;
            assertThat(conf.split("track_file \\{\n    node_eligible\n", -1).length - 1).as(mode.name() + ": every instance tracks it")
                    .isEqualTo(instances);
        }
    }

    @Test
    void aCordonedNodeHandsOverOnlyWithTheFlag() {
        List<NodeInfo> nodes = List.of(node("node-a", "192.0.2.11", Map.of(), true), node("node-b", "192.0.2.12", Map.of(), false));
        assertThat(plan("node-a", nodes, settings().build(), PoolPlacements.NONE).handover()).isNull();
        AgentPlan a = plan("node-a", nodes, settings().handoverOnCordon(true).build(), PoolPlacements.NONE);
        assertThat(a.handover()).isEqualTo(Handover.CORDON);
        assertThat(a.trackFiles()).contains(new TrackFile(a.nodeTrackFilePath(), false));
    }

    @Test
    void inBgpModeAHandingOverNodeStillBindsAndForwardsItsVipsButAnnouncesNone() {
        PoolPlacements bgp = PlacementPlanTest.placements(Map.of("lb", PlacementPlanTest.pool("addresses", List.of("192.0.2.100/31"),
                "announce", "bgp")));
        List<NodeInfo> nodes = List.of(node("node-a", "192.0.2.11", EXCLUDED, false), node("node-b", "192.0.2.12", Map.of(), false));
        AgentPlan a = plan("node-a", nodes, settings().build(), bgp);
        BgpSplit.Result split = BgpSplit.split(a, bgp, Announce.VRRP, EXCLUDED);
        assertThat(split.bound()).containsExactly(ip("192.0.2.100"), ip("192.0.2.101"));
        assertThat(split.announced()).isEmpty();
        assertThat(split.vrrp().handover()).isEqualTo(Handover.LABEL);
        AgentPlan b = plan("node-b", nodes, settings().build(), bgp);
        assertThat(BgpSplit.split(b, bgp, Announce.VRRP, Map.of()).announced()).hasSize(2);
    }
}
