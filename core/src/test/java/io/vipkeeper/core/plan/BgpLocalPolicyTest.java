package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.group;
import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.port;
import static io.vipkeeper.core.agent.Fixtures.ready;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static io.vipkeeper.core.agent.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.EndpointPortSpec;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.TrafficPolicy;
import io.vipkeeper.core.alloc.PortKey.Protocol;
import io.vipkeeper.core.bgp.BgpSplit;
import io.vipkeeper.core.bgp.BgpVip;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * externalTrafficPolicy Local for BGP VIPs in single mode: every node announces a BGP VIP on its own, so no shared
 * VRRP instance stands in the way — only nodes with a ready local endpoint announce it, and they forward to those
 * endpoints only. A VRRP VIP in single mode still treats Local as Cluster (one instance holds every VIP).
 */
class BgpLocalPolicyTest {

    static final List<NodeInfo> NODES = List.of(
            new NodeInfo("node-a", List.of(), List.of(ip("192.0.2.11")), List.of(), Map.of()),
            new NodeInfo("node-b", List.of(), List.of(ip("192.0.2.12")), List.of(), Map.of()));
    static final PoolPlacements ROUTED = PlacementPlanTest.placements(Map.of(
            "routed", PlacementPlanTest.pool("addresses", List.of("198.51.100.0/28"), "announce", "bgp")));

    static ClusterSnapshot observed(String vip, PoolPlacements placements) {
        return new ClusterSnapshot(VipConfigMapCodec.decode(Map.of(vip, "web/front")),
                List.of(svc("web/front", TrafficPolicy.LOCAL, port("http", Protocol.TCP, 80))),
                List.of(group("web/front", List.of(new EndpointPortSpec("http", Protocol.TCP, 8080)), ready("10.0.0.1", "node-a"))),
                NODES, List.of(), placements, null);
    }

    static List<BgpVip> announced(ClusterSnapshot observed, String node, AgentSettings s) {
        AgentPlan plan = AgentPlanner.plan(observed, node, null, s);
        return BgpSplit.split(plan, observed.placements(), s.announce(), Map.of()).announced();
    }

    @Test
    void aBgpPoolsLocalVipIsAnnouncedOnlyWhereAnEndpointIsReadyInSingleMode() {
        ClusterSnapshot observed = observed("198.51.100.1", ROUTED);
        AgentSettings single = settings().build();
        assertThat(announced(observed, "node-a", single)).extracting(BgpVip::address).containsExactly(ip("198.51.100.1"));
        assertThat(announced(observed, "node-b", single)).as("no ready endpoint on node-b").isEmpty();
        AgentPlan a = AgentPlanner.plan(observed, "node-a", null, single);
        assertThat(a.vips()).singleElement().satisfies(v -> assertThat(v.localOnly()).isTrue());
        assertThat(a.reports()).extracting(Report::kind).doesNotContain(Report.Kind.POLICY_IGNORED);
    }

    @Test
    void theAgentsAnnounceFlagCountsForVipsNoPoolPlacementNames() {
        ClusterSnapshot observed = observed("192.0.2.100", PoolPlacements.NONE);
        AgentSettings bgp = settings().announce(Announce.BGP).build();
        assertThat(announced(observed, "node-a", bgp)).extracting(BgpVip::address).containsExactly(ip("192.0.2.100"));
        assertThat(announced(observed, "node-b", bgp)).isEmpty();
    }

    @Test
    void aVrrpVipInSingleModeStillTreatsLocalAsCluster() {
        AgentPlan b = AgentPlanner.plan(observed("192.0.2.100", PoolPlacements.NONE), "node-b", null, settings().build());
        assertThat(b.vips()).singleElement().satisfies(v -> {
            assertThat(v.localOnly()).isFalse();
            assertThat(v.ports().get(0).backends()).as("node-a's endpoint, as with Cluster").hasSize(1);
        });
        assertThat(b.reports()).extracting(Report::kind).contains(Report.Kind.POLICY_IGNORED);
        assertThat(b.vips()).extracting(ResolvedVip::vip).containsExactly(ip("192.0.2.100"));
    }
}
