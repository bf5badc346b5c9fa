package io.vipkeeper.core.plan;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.Resolution;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.agent.VipChecks;
import io.vipkeeper.core.agent.VipResolver;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Resolution + node identity + settings → {@link AgentPlan}: which VIPs are held by which VRRP instance. */
public final class AgentPlanner {

    private AgentPlanner() {
    }

    /**
     * The plan for one node from what it observed: resolve the VIP table against the Services and endpoints, then
     * plan the VRRP instances. Throws {@link InvalidInputException} when this node's address cannot
     * be told (not among the Nodes and no {@code nodeIp}).
     *
     * @param nodeIp {@code --node-ip}, or null
     */
    public static AgentPlan plan(ClusterSnapshot observed, String nodeName, IpAddress nodeIp, AgentSettings settings) {
        return plan(observed, nodeName, nodeIp, List.of(), settings);
    }

    /** As above, also refusing VIPs on the network or broadcast address of {@code interfaceSubnets} (the VRRP interface's). */
    public static AgentPlan plan(ClusterSnapshot observed, String nodeName, IpAddress nodeIp, List<Cidr> interfaceSubnets,
                                 AgentSettings settings) {
        Map<ServiceRef, ServiceSpec> services = new TreeMap<>();
        observed.services().forEach(svc -> services.put(svc.ref(), svc));
        NodeIdentity identity = NodeIdentity.resolve(nodeName, observed.nodes(), nodeIp);
        Resolution r = VipResolver.resolve(observed.vipTable(), services, VipResolver.byService(observed.endpoints()),
                nodeName, settings, VipChecks.of(observed.nodes(), nodeName, nodeIp, interfaceSubnets),
                vip -> observed.placements().of(vip).map(PoolPlacement::announce).orElse(settings.announce()) == Announce.BGP);
        if (observed.placementRefusal() != null) {
            List<Report> reports = new ArrayList<>(r.reports());
            reports.add(new Report(Report.Kind.ENTRY_REFUSED, new Report.Subject.Entry(PoolPlacementCodec.ANNOTATION),
                    observed.placementRefusal() + "; the last good placement stays in force"));
            r = new Resolution(r.vips(), reports);
        }
        NodeInfo self = observed.nodes().stream().filter(n -> n.name().equals(nodeName)).findFirst().orElse(null);
        Map<String, String> labels = self == null ? Map.of() : self.labels();
        return plan(r, identity, settings, observed.placements(), labels,
                Handover.of(self, settings.handoverOnCordon()).orElse(null));
    }

    /** Every VIP with the default placement: VRRP on {@code --iface}, on every node. */
    public static AgentPlan plan(Resolution resolution, NodeIdentity node, AgentSettings s) {
        return plan(resolution, node, s, PoolPlacements.NONE, Map.of());
    }

    /**
     * The plan under the pools' placements, for a node with {@code nodeLabels}: a VIP whose pool's nodeSelector does
     * not match them is not held here (other nodes hold it); a pool's {@code interface} takes its VIPs' instances
     * there; {@code announce: bgp} VIPs get no VRRP instance (they stay in the plan's VIPs for their data plane;
     * {@link io.vipkeeper.core.bgp.BgpSplit} says which this node announces).
     * VRIDs are computed from what every node sees alike (the VIP table and the placements), before this node's
     * labels are looked at, so all nodes agree on them.
     */
    public static AgentPlan plan(Resolution resolution, NodeIdentity node, AgentSettings s, PoolPlacements placements,
                                 Map<String, String> nodeLabels) {
        return plan(resolution, node, s, placements, nodeLabels, null);
    }

    /**
     * As above, for a node handing its VIPs over ({@code handover}, null when eligible): the same instances, VIPs and
     * data plane (peers keep the same configuration and what still arrives is forwarded); the plan carries the
     * handover, which puts the instances in FAULT and leaves the BGP VIPs unannounced.
     */
    public static AgentPlan plan(Resolution resolution, NodeIdentity node, AgentSettings s, PoolPlacements placements,
                                 Map<String, String> nodeLabels, Handover handover) {
        List<Report> reports = new ArrayList<>(resolution.reports());
        List<ResolvedVip> vrrp = new ArrayList<>();
        List<ResolvedVip> kept = new ArrayList<>();
        for (ResolvedVip v : resolution.vips()) {
            PoolPlacement p = placements.of(v.vip()).orElse(null);
            if (p != null && p.announce() == Announce.BGP) {
                if (allows(p, nodeLabels, v.vip(), reports)) {
                    kept.add(v);
                }
            } else if (s.vrrpVersion() == 2 && !v.vip().isIpv4()) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "IPv6 VIPs need --vrrp-version 3"));
            } else if (s.useUnicast() && v.vip().family() != node.address().family()) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "unicast VRRP for an " + v.vip().family()
                        + " VIP needs an " + v.vip().family() + " node address (this node's is " + node.address() + ")"));
            } else {
                vrrp.add(v);
            }
        }
        List<VrrpInstance> instances = new ArrayList<>();
        IpAddress src = s.useUnicast() ? node.address() : null;
        List<IpAddress> peers = s.useUnicast() ? node.peers() : List.of();
        if (s.instanceMode() == InstanceMode.SINGLE) {
            // a pool with its own interface or nodeSelector gets its own instances: one instance has one interface,
            // and all nodes of an instance must hold the same VIPs
            List<String> own = placements.placements().stream().filter(AgentPlanner::ownInstance).map(PoolPlacement::pool).toList();
            Map<String, Integer> poolVrids = VridAssigner.assignPools(own, s.vridRange(), s.vrid());
            Map<String, List<IpAddress>> byGroup = new TreeMap<>();
            for (ResolvedVip v : vrrp) {
                PoolPlacement p = placements.of(v.vip()).filter(AgentPlanner::ownInstance).orElse(null);
                if (p != null && !poolVrids.containsKey(p.pool())) {
                    reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "pool " + p.pool() + " has its own placement and no VRID in "
                            + s.vridRange() + " is left for it (" + own.size() + " such pools, --vrid " + s.vrid() + " excluded)"));
                } else if (p == null || allows(p, nodeLabels, v.vip(), reports)) {
                    kept.add(v);
                    byGroup.computeIfAbsent(p == null ? "" : p.pool(), k -> new ArrayList<>()).add(v.vip());
                }
            }
            for (Map.Entry<String, List<IpAddress>> g : byGroup.entrySet()) {
                PoolPlacement p = g.getKey().isEmpty() ? null : placements.placements().stream()
                        .filter(x -> x.pool().equals(g.getKey())).findFirst().orElseThrow();
                for (IpFamily f : IpFamily.values()) {
                    List<IpAddress> vips = g.getValue().stream().filter(a -> a.family() == f).toList();
                    if (vips.isEmpty()) {
                        continue;
                    }
                    String name = (f == IpFamily.IPv4 ? "vips" : "vips6") + (p == null ? "" : "_" + p.pool().replace('-', '_'));
                    instances.add(new VrrpInstance(name, f, p == null ? s.vrid() : poolVrids.get(p.pool()),
                            node.singlePriority(), vips, src, peers, null, null, p == null ? null : p.iface()));
                }
            }
            return new AgentPlan(s, kept, instances, reports, SyncPlan.decide(s, node), handover);
        }
        // ids from every VRRP VIP of the table, before this node's labels count: all nodes compute the same ones
        Map<IpAddress, Integer> vrids = VridAssigner.assign(vrrp.stream().map(ResolvedVip::vip).toList(), s.vridRange());
        // the flags keep the VRID range within the packet rate (AgentOptions); this holds for any settings: a VIP
        // beyond the rate is reported and left out (every node leaves out the same ones), never a flood of adverts
        int maxInstances = s.maxInstances();
        int numbered = 0;
        for (ResolvedVip v : vrrp) {
            Integer vrid = vrids.get(v.vip());
            String key = VipNames.key(v.vip());
            if (vrid == null) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "no free VRID in "
                        + s.vridRange() + " (" + vrrp.size() + " VIPs for " + s.vridRange().size() + " ids)"));
                continue;
            }
            if (++numbered > maxInstances) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "VRRP packet rate: " + vrrp.size() + " per-vip instances at advert "
                        + s.advertInterval() + " s would send " + Math.round(s.packetsPerSecond(vrrp.size())) + " packets/s, above the limit of "
                        + AgentSettings.MAX_PACKETS_PER_SECOND + " (" + maxInstances + " instances); raise --advert-interval or use --vrrp-instances single"));
                continue;
            }
            PoolPlacement p = placements.of(v.vip()).orElse(null);
            if (p != null && !allows(p, nodeLabels, v.vip(), reports)) {
                continue;
            }
            kept.add(v);
            instances.add(new VrrpInstance("vip_" + key, v.vip().family(), vrid,
                    Priorities.perVip(v.vip(), node.clusterNodes(), node.name()), List.of(v.vip()), src, peers,
                    v.localOnly() ? "local_" + key : null, v.localOnly() ? s.runDir() + "/local/" + key : null,
                    p == null ? null : p.iface()));
        }
        return new AgentPlan(s, kept, instances, reports, SyncPlan.decide(s, node), handover);
    }

    /** Whether a VRRP pool needs instances of its own (single mode): its own interface or nodeSelector. */
    private static boolean ownInstance(PoolPlacement p) {
        return p.announce() == Announce.VRRP && (p.iface() != null || p.nodeSelector() != null);
    }

    /** Whether the pool's nodeSelector lets this node hold or announce the VIP; if not, says so in a report. */
    private static boolean allows(PoolPlacement p, Map<String, String> nodeLabels, IpAddress vip, List<Report> reports) {
        if (p.nodeSelector() == null || p.nodeSelector().matches(nodeLabels)) {
            return true;
        }
        reports.add(new Report(Report.Kind.NOT_HELD, vip, "pool " + p.pool()
                + "'s nodeSelector does not match this node's labels: other nodes hold it"));
        return false;
    }
}
