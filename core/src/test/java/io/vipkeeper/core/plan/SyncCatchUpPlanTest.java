package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.render.KeepalivedConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Per-vip with conntrack sync: keepalived tracks the catch-up file, which lowers every instance below its peers' while
 * the node catches up (ranks kept, never below priority 1); other modes do not track it.
 */
class SyncCatchUpPlanTest {

    static final List<NodeInfo> NODES = List.of(HandoverPlanTest.node("node-a", "192.0.2.11", Map.of(), false),
            HandoverPlanTest.node("node-b", "192.0.2.12", Map.of(), false));

    static AgentPlan plan(AgentSettings.Builder s) {
        return HandoverPlanTest.plan("node-a", NODES, s.dataplane(Dataplane.NFTABLES).build(), PoolPlacements.NONE);
    }

    @Test
    void theWeightLowersByAHundredAndNeverBelowPriorityOne() {
        assertThat(AgentPlan.syncGateWeight(200)).isEqualTo(-100);
        assertThat(AgentPlan.syncGateWeight(101)).isEqualTo(-100);
        assertThat(AgentPlan.syncGateWeight(50)).isEqualTo(-49);
        assertThat(AgentPlan.syncGateWeight(2)).isEqualTo(-1);
        assertThat(AgentPlan.syncGateWeight(1)).as("a weight of 0 would make the file's 1 a FAULT").isZero();
    }

    @Test
    void onlyPerVipInstancesWithSyncTrackTheCatchUpFile() {
        AgentPlan perVip = plan(settings().instanceMode(InstanceMode.PER_VIP));
        assertThat(perVip.movesBackAfterCatchingUp()).isTrue();
        String conf = KeepalivedConfig.render(perVip);
        assertThat(conf).contains("track_file sync_caught_up {\n  file \"" + perVip.syncTrackFilePath() + "\"\n  weight 1\n  init_file 0\n}");
        for (VrrpInstance i : perVip.instances()) {
            assertThat(conf).contains("priority " + i.priority() + "\n");
        }
        assertThat(conf.split("sync_caught_up weight -", -1)).as("one per instance").hasSize(perVip.instances().size() + 1);

        for (AgentSettings.Builder other : List.of(settings().instanceMode(InstanceMode.SINGLE),
                settings().instanceMode(InstanceMode.PER_VIP).conntrackSync(false),
                settings().instanceMode(InstanceMode.PER_VIP).announce(Announce.BGP))) {
            AgentPlan p = plan(other);
            assertThat(p.movesBackAfterCatchingUp()).isFalse();
            assertThat(KeepalivedConfig.render(p)).doesNotContain("sync_caught_up");
        }
    }
}
