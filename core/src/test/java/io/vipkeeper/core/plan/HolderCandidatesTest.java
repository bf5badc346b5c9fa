package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vipkeeper.core.agent.AdvertInterval;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MASTER's view of who runs an instance must be what each of those nodes plans for itself. */
class HolderCandidatesTest {

    static final List<NodeInfo> NODES = List.of(
            new NodeInfo("node-a", List.of(), List.of(ip("192.0.2.13")), List.of(), Map.of("rack", "r1")),
            new NodeInfo("node-b", List.of(), List.of(ip("192.0.2.9")), List.of(), Map.of("rack", "r2")),
            new NodeInfo("node-c", List.of(), List.of(ip("192.0.2.11")), List.of(), Map.of("rack", "r1")));
    static final PoolPlacements RACK_R1 = new PoolPlacements(PoolPlacementCodec.fromTree(Map.of("prod",
            Map.of("addresses", List.of("198.51.100.0/28"), "nodeSelector", Map.of("matchLabels", Map.of("rack", "r1"))))));

    static AgentPlan plan(String node, AgentSettings s) {
        Map<String, String> table = new HashMap<>();
        for (int i = 1; i <= 12; i++) {
            table.put("192.0.2." + (100 + i), "");
            table.put("198.51.100." + i, "");
        }
        return AgentPlanner.plan(new ClusterSnapshot(VipConfigMapCodec.decode(table), List.of(), List.of(), NODES, List.of(),
                RACK_R1, null), node, null, s);
    }

    @Test
    void everyCandidateRunsTheInstanceAtThePriorityItsOwnPlanGivesIt() {
        for (InstanceMode mode : InstanceMode.values()) {
            AgentSettings s = settings().instanceMode(mode).build();
            Map<String, Map<String, Integer>> own = new HashMap<>(); // node -> instance -> priority
            for (NodeInfo n : NODES) {
                Map<String, Integer> m = new HashMap<>();
                plan(n.name(), s).instances().forEach(i -> m.put(i.name(), i.priority()));
                own.put(n.name(), m);
            }
            for (VrrpInstance i : plan("node-a", s).instances()) {
                List<HolderCandidates.Candidate> c = HolderCandidates.of(i, s, NODES, RACK_R1, "node-a", null);
                boolean prod = i.vips().get(0).toString().startsWith("198.51.100.");
                assertThat(c).extracting(HolderCandidates.Candidate::node).as(mode + " " + i.name())
                        .containsExactlyInAnyOrderElementsOf(prod ? List.of("node-a", "node-c") : List.of("node-a", "node-b", "node-c"));
                for (HolderCandidates.Candidate k : c) {
                    assertThat(k.priority()).as(mode + " " + i.name() + " on " + k.node()).isEqualTo(own.get(k.node()).get(i.name()));
                }
                assertThat(c).isSortedAccordingTo((x, y) -> Integer.compare(y.priority(), x.priority()));
            }
        }
    }

    @Test
    void singleModeCountsEveryNodeOfTheFamilyEligibleOrNot() {
        AgentSettings s = settings().advertInterval(AdvertInterval.parse("0.1")).build();
        for (VrrpInstance i : plan("node-a", s).instances()) {
            List<HolderCandidates.Candidate> c = HolderCandidates.of(i, s, NODES, RACK_R1, "node-a", null);
            // node-b (192.0.2.9) is not in rack r1 but is one of the 3 nodes: .11 and .13 run at 204 and 254
            boolean prod = i.vips().get(0).toString().startsWith("198.51.100.");
            assertThat(c).as(i.name()).containsExactlyElementsOf(prod
                    ? List.of(new HolderCandidates.Candidate("node-a", 254), new HolderCandidates.Candidate("node-c", 204))
                    : List.of(new HolderCandidates.Candidate("node-a", 254), new HolderCandidates.Candidate("node-c", 204),
                            new HolderCandidates.Candidate("node-b", 154)));
        }
    }

    @Test
    void singleModeBackupsTakeOverSeveralMillisecondsApartAfterAPlannedHandover() {
        // after the MASTER's priority-0 advert a backup waits only its skew: the next one must wait clearly longer
        AgentSettings s = settings().advertInterval(AdvertInterval.parse("0.1")).build();
        VrrpInstance i = plan("node-a", s).instances().get(0);
        List<HolderCandidates.Candidate> c = HolderCandidates.of(i, s, NODES, PoolPlacements.NONE, "node-a", null);
        assertThat(c).hasSize(3);
        double gap = HolderCandidates.masterDownSeconds(s, c.get(2).priority())
                - HolderCandidates.masterDownSeconds(s, c.get(1).priority());
        assertThat(gap).isGreaterThan(0.009);
    }

    @Test
    void singleModeCountsThisNodeLikeNodeIdentityWhenItIsNotListedYet() {
        AgentSettings s = settings().build();
        List<NodeInfo> others = NODES.stream().filter(n -> !n.name().equals("node-a")).toList();
        for (VrrpInstance i : AgentPlanner.plan(new ClusterSnapshot(VipConfigMapCodec.decode(Map.of("192.0.2.101", "")),
                List.of(), List.of(), others, List.of(), PoolPlacements.NONE, null), "node-a", ip("192.0.2.13"), s).instances()) {
            assertThat(i.priority()).isEqualTo(254);
            assertThat(HolderCandidates.of(i, s, others, PoolPlacements.NONE, "node-a", ip("192.0.2.13")))
                    .containsExactly(new HolderCandidates.Candidate("node-a", 254),
                            new HolderCandidates.Candidate("node-c", 204), new HolderCandidates.Candidate("node-b", 154));
        }
    }

    @Test
    void masterDownIntervalFollowsTheRfc() {
        AgentSettings v3 = settings().advertInterval(AdvertInterval.parse("0.1")).build();
        assertThat(HolderCandidates.masterDownSeconds(v3, 200)).isCloseTo(0.3 + 56 / 256.0 * 0.1, within(1e-9));
        AgentSettings v2 = settings().vrrpVersion(2).build();
        assertThat(HolderCandidates.masterDownSeconds(v2, 100)).isCloseTo(3 + 156 / 256.0, within(1e-9));
    }
}
