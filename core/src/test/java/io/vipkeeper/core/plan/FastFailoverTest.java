package io.vipkeeper.core.plan;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AdvertInterval;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.FailoverProfile;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.VridRange;
import io.vipkeeper.core.agent.VrrpRealtime;
import io.vipkeeper.core.render.KeepalivedConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The failover profile, real-time VRRP in global_defs, and the bound on VRRP packets per second. */
class FastFailoverTest {

    private static final NodeIdentity NODE = new NodeIdentity("node-a", ip("192.0.2.11"), List.of(ip("192.0.2.12")),
            List.of("node-a", "node-b"), 200, List.of());

    private static Resolution vips(int n) {
        return new Resolution(VrrpPlanTest.vips(n).stream().map(v -> new ResolvedVip(v, List.of(), false)).toList(), List.of());
    }

    private static List<String> globalDefs(AgentSettings s) {
        String conf = KeepalivedConfig.render(AgentPlanner.plan(vips(1), NODE, s));
        return conf.substring(conf.indexOf("global_defs {"), conf.indexOf("}\n")).lines().map(String::strip).toList();
    }

    @Test
    void vrrpNoSwapIsOnByDefaultAndNeverRendersKeepalivedsOwnRealtimeScheduling() {
        assertThat(settings().build().realtime()).isEqualTo(VrrpRealtime.DEFAULT);
        assertThat(VrrpRealtime.DEFAULT.scheduled()).isTrue();
        assertThat(globalDefs(settings().build())).containsExactly("global_defs {", "vrrp_version 3",
                "notify_fifo /run/vipkeeper/notify.fifo", "vrrp_no_swap");
        // vrrp_rt_priority / vrrp_rlimit_rttime: keepalived 2.2.7 kills its VRRP process on every reload with them
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(vips(3), NODE, settings().build())))
                .doesNotContain("vrrp_rt_priority").doesNotContain("rlimit");
        assertThat(globalDefs(settings().realtime(VrrpRealtime.OFF).build())).doesNotContain("vrrp_no_swap");
    }

    @Test
    void realtimeValuesAreChecked() {
        assertThatThrownBy(() -> new VrrpRealtime(100, true, 1_000_000)).isInstanceOf(InvalidInputException.class).hasMessageContaining("1-99");
        assertThatThrownBy(() -> new VrrpRealtime(20, true, 1)).isInstanceOf(InvalidInputException.class).hasMessageContaining("us");
        assertThat(new VrrpRealtime(0, false, 1_000_000).scheduled()).isFalse();
    }

    @Test
    void theProfileChoosesTheAdvertIntervalAndAnExplicitIntervalWins() {
        assertThat(FailoverProfile.parse("default")).isEqualTo(FailoverProfile.DEFAULT);
        assertThat(settings().build().advertInterval()).isEqualTo(AdvertInterval.DEFAULT_V3);
        AgentSettings fast = settings().failoverProfile(FailoverProfile.parse("fast")).build();
        assertThat(fast.advertInterval()).isEqualTo(new AdvertInterval(3));
        assertThat(fast.packetsPerSecond(1)).isCloseTo(33.3, org.assertj.core.data.Offset.offset(0.1));
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(vips(1), NODE, fast))).contains("  advert_int 0.03\n");
        assertThat(settings().failoverProfile(FailoverProfile.FAST).advertInterval(AdvertInterval.parse("0.05")).build().advertInterval())
                .isEqualTo(new AdvertInterval(5));
        assertThatThrownBy(() -> FailoverProfile.parse("faster")).isInstanceOf(InvalidInputException.class)
                .hasMessage("unknown failover profile \"faster\" (default or fast)");
        assertThatThrownBy(() -> settings().vrrpVersion(2).failoverProfile(FailoverProfile.FAST).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--vrrp-version 3");
        // VRRPv2 keeps its 1 s with the default profile
        assertThat(settings().vrrpVersion(2).build().advertInterval()).isEqualTo(AdvertInterval.DEFAULT_V2);
    }

    @Test
    void perVipInstancesBeyondThePacketRateAreReportedAndLeftOut() {
        AgentSettings fast = settings().instanceMode(InstanceMode.PER_VIP).vridRange(new VridRange(1, 255))
                .failoverProfile(FailoverProfile.FAST).build();
        assertThat(fast.maxInstances()).isEqualTo(76); // 2550 packets/s at 0.03 s
        AgentPlan plan = AgentPlanner.plan(vips(100), NODE, fast);
        assertThat(plan.instances()).hasSize(76);
        assertThat(plan.vips()).hasSize(76);
        assertThat(fast.packetsPerSecond(plan.instances().size())).isLessThanOrEqualTo(AgentSettings.MAX_PACKETS_PER_SECOND);
        List<Report> refused = plan.reports().stream().filter(r -> r.message().startsWith("VRRP packet rate")).toList();
        assertThat(refused).hasSize(24).allMatch(r -> r.kind() == Report.Kind.NOT_HELD);
        assertThat(refused.get(0).message()).isEqualTo("VRRP packet rate: 100 per-vip instances at advert 0.03 s would send 3333 packets/s, "
                + "above the limit of 2550 (76 instances); raise --advert-interval or use --vrrp-instances single");
        // what the configuration holds is exactly the kept VIPs, and it is the same set on every node (the first by address)
        assertThat(plan.vips()).extracting(ResolvedVip::vip).containsExactlyElementsOf(VrrpPlanTest.vips(76));
        // the default profile holds all 255 a VRID range can give
        AgentSettings dflt = settings().instanceMode(InstanceMode.PER_VIP).vridRange(new VridRange(1, 255)).build();
        assertThat(AgentPlanner.plan(vips(255), NODE, dflt).instances()).hasSize(255);
    }
}
