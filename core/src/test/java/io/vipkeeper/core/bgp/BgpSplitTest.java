package io.vipkeeper.core.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Backend;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.ResolvedPort;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.LabelSelector;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.BgpCommunity;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BgpSplitTest {

    static final IpAddress L2 = IpAddress.parse("192.0.2.50");
    static final IpAddress ROUTED = IpAddress.parse("198.51.100.200");
    static final IpAddress LOCAL = IpAddress.parse("198.51.100.201");
    static final IpAddress RACK2 = IpAddress.parse("203.0.113.9");

    static ResolvedVip vip(IpAddress a, boolean localOnly, boolean backends) {
        List<Backend> b = backends ? List.of(new Backend(IpAddress.parse("10.0.0.1"), 8080, "node-a")) : List.of();
        return new ResolvedVip(a, List.of(new ResolvedPort(new PortKey(PortKey.Protocol.TCP, 80), new ServiceRef("web", "front"),
                ForwardMethod.NAT, b)), localOnly);
    }

    static AgentPlan plan() {
        List<ResolvedVip> vips = List.of(vip(L2, false, true), vip(ROUTED, false, false), vip(LOCAL, true, false), vip(RACK2, false, true));
        VrrpInstance single = new VrrpInstance("vips", IpFamily.IPv4, 50, 100, List.of(L2, ROUTED, LOCAL, RACK2), null, List.of(), null, null);
        return new AgentPlan(AgentSettings.builder(new InterfaceName("eth0")).build(), vips, List.of(single), List.of());
    }

    static final PoolPlacements PLACEMENTS = new PoolPlacements(List.of(
            new PoolPlacement("routed", List.of(IpRange.parse("198.51.100.200-198.51.100.203")), Announce.BGP, null, null,
                    List.of(BgpCommunity.parse("64512:100")), 150L),
            new PoolPlacement("rack2", List.of(IpRange.parse("203.0.113.0/28")), Announce.BGP, null,
                    new LabelSelector(Map.of("rack", "r2"), List.of()), List.of(), null)));

    @Test
    void bgpVipsLeaveTheVrrpInstancesAndAreAnnouncedWhereEligible() {
        BgpSplit.Result r = BgpSplit.split(plan(), PLACEMENTS, Announce.VRRP, Map.of("rack", "r1"));
        assertThat(r.vrrp().instances()).singleElement().satisfies(i -> assertThat(i.vips()).containsExactly(L2));
        assertThat(r.vrrp().vips()).hasSize(4); // the data plane still forwards every VIP
        assertThat(r.bound()).containsExactly(ROUTED, LOCAL); // RACK2's pool is for rack r2
        // LOCAL: externalTrafficPolicy Local without a local endpoint: not announced
        assertThat(r.announced()).containsExactly(new BgpVip(ROUTED, List.of(BgpCommunity.parse("64512:100")), 150L));
        assertThat(r.allowed().stream().map(Object::toString)).containsExactly("198.51.100.200/30");
    }

    @Test
    void theDefaultModeDecidesForVipsNoPlacementNames() {
        BgpSplit.Result r = BgpSplit.split(plan(), PLACEMENTS, Announce.BGP, Map.of("rack", "r2"));
        assertThat(r.vrrp().instances()).isEmpty();
        assertThat(r.announced()).extracting(BgpVip::address).containsExactly(L2, ROUTED, RACK2);
        assertThat(r.allowed().stream().map(Object::toString)).containsExactly("192.0.2.50/32", "198.51.100.200/30", "203.0.113.0/28");
    }

    @Test
    void withoutBgpThePlanIsUnchanged() {
        AgentPlan p = plan();
        BgpSplit.Result r = BgpSplit.split(p, PoolPlacements.NONE, Announce.VRRP, Map.of());
        assertThat(r.vrrp()).isSameAs(p);
        assertThat(r.announced()).isEmpty();
    }
}
