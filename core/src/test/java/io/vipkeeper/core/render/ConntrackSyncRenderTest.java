package io.vipkeeper.core.render;

import static io.vipkeeper.core.agent.Fixtures.ip;
import static io.vipkeeper.core.agent.Fixtures.settings;
import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.core.agent.Backend;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.InterfaceName;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ResolvedPort;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.plan.SyncPlan;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When conntrack sync is planned, what conntrackd.conf says, and how the nftables ruleset changes with it. */
class ConntrackSyncRenderTest {

    static NodeIdentity nodes(int n) {
        List<NodeInfo> infos = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            infos.add(new NodeInfo("node-" + i, List.of(), List.of(ip("198.51.100." + (10 + i))), List.of()));
        }
        return NodeIdentity.resolve("node-1", infos, null);
    }

    static Resolution web() {
        ResolvedPort p = new ResolvedPort(new PortKey(PortKey.Protocol.TCP, 80), ServiceRef.parse("default/web"),
                ForwardMethod.NAT, List.of(new Backend(ip("198.51.100.101"), 8080, null), new Backend(ip("198.51.100.102"), 8080, null)));
        ResolvedPort local = new ResolvedPort(new PortKey(PortKey.Protocol.TCP, 80), ServiceRef.parse("default/local"),
                ForwardMethod.NAT, List.of(new Backend(ip("198.51.100.103"), 8080, "node-1")));
        return new Resolution(List.of(new ResolvedVip(ip("198.51.100.200"), List.of(p), false),
                new ResolvedVip(ip("198.51.100.201"), List.of(local), true),
                new ResolvedVip(ip("198.51.100.202"), List.of(), false)), List.of());
    }

    @Test
    void syncIsOnlyPlannedForNftablesWithAnotherNodeAndTheFlagOn() {
        assertThat(AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.NFTABLES).build()).sync()).isNotNull();
        assertThat(AgentPlanner.plan(web(), nodes(1), settings().dataplane(Dataplane.NFTABLES).build()).sync()).isNull();
        assertThat(AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.IPVS).build()).sync()).isNull();
        assertThat(AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.HAPROXY).build()).sync()).isNull();
        assertThat(AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.NFTABLES).conntrackSync(false).build())
                .sync()).isNull();
    }

    @Test
    void twoNodesSyncWithFtfwOverUdpToThePeer() {
        SyncPlan s = AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.NFTABLES).runDir("/run/vk").build()).sync();
        assertThat(s.transport()).isEqualTo(SyncPlan.Transport.UDP_FTFW);
        String conf = ConntrackdConfig.render(s);
        assertThat(conf).contains("\tMode FTFW {\n", "\t\tDisableExternalCache on\n", "\t\tStartupResync on\n",
                "\tUDP {\n\t\tIPv4_address 198.51.100.11\n\t\tIPv4_Destination_Address 198.51.100.12\n\t\tPort 3780\n\t\tInterface eth0\n",
                "\tLockFile /run/vk/conntrackd.lock\n", "\t\tPath /run/vk/conntrackd.ctl\n", "\tSystemd off\n",
                "\t\tProtocol Accept {\n\t\t\tTCP\n");
        // never an address filter on the VIPs: it matches sources only and synced nothing (design, Pitfall 3)
        assertThat(conf).doesNotContain("Address Accept", "198.51.100.200");
        assertThat(ConntrackdConfig.render(s)).isEqualTo(conf);
    }

    @Test
    void theCacheIsAsLargeAsTheKernelTableWithinBounds() {
        SyncPlan s = AgentPlanner.plan(web(), nodes(3), settings().dataplane(Dataplane.NFTABLES).build()).sync();
        assertThat(ConntrackdConfig.render(s)).contains("\tHashSize 8192\n\tHashLimit 65535\n", "\t\tRcvSocketBuffer 16777216\n");
        // a node whose table holds 262,144 entries: 10,000 connections/s left ~100,000 live (docs/benchmarks.md)
        assertThat(ConntrackdConfig.render(s, 262_144)).contains("\tHashSize 32768\n\tHashLimit 262144\n",
                "\t\tRcvSocketBuffer 67108864\n");
        assertThat(ConntrackdConfig.maxFlowsFor(262_144)).isEqualTo(262_144);
        assertThat(ConntrackdConfig.maxFlowsFor(16_384)).as("never below the former limit").isEqualTo(65_535);
        assertThat(ConntrackdConfig.maxFlowsFor(-1)).as("unknown").isEqualTo(65_535);
        assertThat(ConntrackdConfig.maxFlowsFor(Long.MAX_VALUE)).isEqualTo(ConntrackdConfig.MAX_FLOWS_CEILING);
        assertThat(ConntrackdConfig.render(s, Integer.MAX_VALUE)).contains("\tHashLimit 2097152\n", "\t\tRcvSocketBuffer 134217728\n");
    }

    @Test
    void threeOrMoreNodesUseNotrackOverMulticastOnTheSyncInterface() {
        SyncPlan s = AgentPlanner.plan(web(), nodes(3), settings().dataplane(Dataplane.NFTABLES)
                .syncInterface(new InterfaceName("eth1")).build()).sync();
        assertThat(s.transport()).isEqualTo(SyncPlan.Transport.MULTICAST_NOTRACK);
        assertThat(ConntrackdConfig.render(s)).contains("\tMode NOTRACK {\n", "\tMulticast {\n\t\tIPv4_address 225.0.0.50\n"
                + "\t\tGroup 3780\n\t\tIPv4_interface 198.51.100.11\n\t\tInterface eth1\n").doesNotContain("FTFW", "UDP {");
    }

    @Test
    void ipv6NodesSyncOverUdpButNotOverMulticast() {
        List<NodeInfo> two = List.of(new NodeInfo("node-1", List.of(), List.of(ip("2001:db8::1")), List.of()),
                new NodeInfo("node-2", List.of(), List.of(ip("2001:db8::2")), List.of()));
        SyncPlan s = SyncPlan.decide(settings().dataplane(Dataplane.NFTABLES).build(), NodeIdentity.resolve("node-1", two, null));
        assertThat(ConntrackdConfig.render(s)).contains("\t\tIPv6_address 2001:db8::1\n\t\tIPv6_Destination_Address 2001:db8::2\n");
        List<NodeInfo> three = new ArrayList<>(two);
        three.add(new NodeInfo("node-3", List.of(), List.of(ip("2001:db8::3")), List.of()));
        assertThat(SyncPlan.decide(settings().dataplane(Dataplane.NFTABLES).build(), NodeIdentity.resolve("node-1", three, null)))
                .isNull();
    }

    @Test
    void withSyncForwardedConnectionsAreSnatedToTheVipOnlyTheHolderTracksThemAndUnknownMidFlowPacketsAreDropped() {
        AgentPlan on = AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.NFTABLES).build());
        String nft = NftablesRuleset.render(on);
        assertThat(nft).contains(
                "\t\tct status dnat ct original ip daddr { 198.51.100.200 } fib saddr type local masquerade\n"
                        + "\t\tct status dnat ct original ip daddr { 198.51.100.200 } snat ip to ct original ip daddr\n",
                "\tchain handoff {\n\t\ttype filter hook prerouting priority raw; policy accept;\n"
                        + "\t\tiifname \"eth0\" ip daddr { 198.51.100.200 } fib daddr type != local notrack\n\t}\n",
                "\tchain guard {\n\t\ttype filter hook prerouting priority -150; policy accept;\n"
                        + "\t\tiifname \"eth0\" ip daddr { 198.51.100.200 } ct state invalid drop\n"
                        + "\t\tip daddr { 198.51.100.200 } meta l4proto udp ct state new drop\n\t}\n");
        // Local VIPs keep the client's address; a VIP forwarding nothing needs no NAT
        assertThat(nft).doesNotContain("198.51.100.201 }", "198.51.100.202 }", "} masquerade\n");
        assertThat(NftablesRuleset.handoffVips(on)).containsExactly(ip("198.51.100.200"));

        AgentPlan off = AgentPlanner.plan(web(), nodes(2), settings().dataplane(Dataplane.NFTABLES).conntrackSync(false).build());
        assertThat(NftablesRuleset.render(off)).contains("\t\tct status dnat ct original ip daddr { 198.51.100.200 } masquerade\n")
                .doesNotContain("snat", "guard", "handoff", "notrack");
        assertThat(NftablesRuleset.handoffVips(off)).isEmpty();
    }

    @Test
    void ipv6VipsGetTheirOwnSnatAndGuardRules() {
        ResolvedPort p = new ResolvedPort(new PortKey(PortKey.Protocol.TCP, 443), ServiceRef.parse("default/web6"),
                ForwardMethod.NAT, List.of(new Backend(IpAddress.parse("2001:db8::101"), 8443, null)));
        Resolution r = new Resolution(List.of(new ResolvedVip(ip("2001:db8::10"), List.of(p), false)), List.of());
        String nft = NftablesRuleset.render(AgentPlanner.plan(r, nodes(2), settings().dataplane(Dataplane.NFTABLES).build()));
        assertThat(nft).contains("ct original ip6 daddr { 2001:db8::10 } snat ip6 to ct original ip6 daddr\n",
                "iifname \"eth0\" ip6 daddr { 2001:db8::10 } ct state invalid drop\n",
                "iifname \"eth0\" ip6 daddr { 2001:db8::10 } fib daddr type != local notrack\n");
    }

    /**
     * UDP is not synced: a pod's answer to a datagram the old node NATed reaches the new MASTER as a new flow to the
     * VIP on the client's port, and took the tuple the client's next datagram needed (it got another source port). A
     * new UDP flow to a SNATed VIP on a port none of its Services serves is dropped, from any interface.
     */
    @Test
    void newUdpFlowsToAVipOnPortsNoServiceServesAreDropped() {
        ResolvedPort dns = new ResolvedPort(new PortKey(PortKey.Protocol.UDP, 53), ServiceRef.parse("default/dns"),
                ForwardMethod.NAT, List.of(new Backend(IpAddress.parse("198.51.100.101"), 5353, null)));
        ResolvedPort syslog = new ResolvedPort(new PortKey(PortKey.Protocol.UDP, 514), ServiceRef.parse("default/syslog"),
                ForwardMethod.NAT, List.of(new Backend(IpAddress.parse("198.51.100.102"), 514, null)));
        ResolvedPort web6 = new ResolvedPort(new PortKey(PortKey.Protocol.TCP, 443), ServiceRef.parse("default/web6"),
                ForwardMethod.NAT, List.of(new Backend(IpAddress.parse("2001:db8::101"), 8443, null)));
        Resolution r = new Resolution(List.of(new ResolvedVip(ip("198.51.100.200"), List.of(dns), false),
                new ResolvedVip(ip("198.51.100.201"), List.of(syslog), false), new ResolvedVip(ip("2001:db8::10"), List.of(web6), false)),
                List.of());
        String nft = NftablesRuleset.render(AgentPlanner.plan(r, nodes(2), settings().dataplane(Dataplane.NFTABLES).build()));
        assertThat(nft).contains("\t\tip daddr { 198.51.100.200, 198.51.100.201 } meta l4proto udp ct state new "
                        + "ip daddr . udp dport != { 198.51.100.200 . 53, 198.51.100.201 . 514 } drop\n",
                "\t\tip6 daddr { 2001:db8::10 } meta l4proto udp ct state new drop\n\t}\n");
        AgentPlan off = AgentPlanner.plan(r, nodes(2), settings().dataplane(Dataplane.NFTABLES).conntrackSync(false).build());
        assertThat(NftablesRuleset.render(off)).doesNotContain("ct state new");
    }

    @Test
    void theIpvsDataPlaneGetsKeepalivedsSyncDaemonOnlyWhenAskedForAndWithSingleInstances() {
        AgentSettings.Builder ipvs = settings().dataplane(Dataplane.IPVS).instanceMode(InstanceMode.SINGLE).vrid(42);
        String asked = KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2), ipvs.lvsSyncDaemon(true).build()));
        // in global_defs, following the single instance, its VRID as the sync id
        assertThat(asked).contains("global_defs {\n", "  lvs_sync_daemon eth0 vips id 42\n}\n", "vrrp_instance vips {\n");
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2),
                ipvs.lvsSyncDaemon(true).syncInterface(InterfaceName.parse("eth1")).build())))
                .contains("  lvs_sync_daemon eth1 vips id 42\n");

        // the default (sync on, not asked for), sync off, per-vip instances, another data plane, no instance: none
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2), ipvs.lvsSyncDaemon(false).build())))
                .doesNotContain("lvs_sync_daemon");
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2), ipvs.lvsSyncDaemon(true).conntrackSync(false).build())))
                .doesNotContain("lvs_sync_daemon");
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2),
                ipvs.conntrackSync(true).instanceMode(InstanceMode.PER_VIP).build()))).doesNotContain("lvs_sync_daemon");
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(web(), nodes(2),
                ipvs.instanceMode(InstanceMode.SINGLE).dataplane(Dataplane.NFTABLES).build()))).doesNotContain("lvs_sync_daemon");
        assertThat(KeepalivedConfig.render(AgentPlanner.plan(new Resolution(List.of(), List.of()), nodes(2),
                ipvs.dataplane(Dataplane.IPVS).build()))).doesNotContain("lvs_sync_daemon");
    }
}
