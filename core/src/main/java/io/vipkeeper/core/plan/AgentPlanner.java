package io.vipkeeper.core.plan;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
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
                nodeName, settings, VipChecks.of(observed.nodes(), nodeName, nodeIp, interfaceSubnets));
        return plan(r, identity, settings);
    }

    public static AgentPlan plan(Resolution resolution, NodeIdentity node, AgentSettings s) {
        List<Report> reports = new ArrayList<>(resolution.reports());
        List<ResolvedVip> held = new ArrayList<>();
        for (ResolvedVip v : resolution.vips()) {
            if (s.vrrpVersion() == 2 && !v.vip().isIpv4()) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "IPv6 VIPs need --vrrp-version 3"));
            } else if (s.useUnicast() && v.vip().family() != node.address().family()) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "unicast VRRP for an " + v.vip().family()
                        + " VIP needs an " + v.vip().family() + " node address (this node's is " + node.address() + ")"));
            } else {
                held.add(v);
            }
        }
        List<VrrpInstance> instances = new ArrayList<>();
        IpAddress src = s.useUnicast() ? node.address() : null;
        List<IpAddress> peers = s.useUnicast() ? node.peers() : List.of();
        if (s.instanceMode() == InstanceMode.SINGLE) {
            for (IpFamily f : IpFamily.values()) {
                List<IpAddress> vips = held.stream().map(ResolvedVip::vip).filter(a -> a.family() == f).toList();
                if (!vips.isEmpty()) {
                    instances.add(new VrrpInstance(f == IpFamily.IPv4 ? "vips" : "vips6", f, s.vrid(),
                            node.singlePriority(), vips, src, peers, null, null));
                }
            }
            return new AgentPlan(s, held, instances, reports, SyncPlan.decide(s, node));
        }
        Map<IpAddress, Integer> vrids = VridAssigner.assign(held.stream().map(ResolvedVip::vip).toList(), s.vridRange());
        List<ResolvedVip> kept = new ArrayList<>();
        for (ResolvedVip v : held) {
            Integer vrid = vrids.get(v.vip());
            String key = VipNames.key(v.vip());
            if (vrid == null) {
                reports.add(new Report(Report.Kind.NOT_HELD, v.vip(), "no free VRID in "
                        + s.vridRange() + " (" + held.size() + " VIPs for " + s.vridRange().size() + " ids)"));
                continue;
            }
            kept.add(v);
            instances.add(new VrrpInstance("vip_" + key, v.vip().family(), vrid,
                    Priorities.perVip(v.vip(), node.clusterNodes(), node.name()), List.of(v.vip()), src, peers,
                    v.localOnly() ? "local_" + key : null, v.localOnly() ? s.runDir() + "/local/" + key : null));
        }
        return new AgentPlan(s, kept, instances, reports, SyncPlan.decide(s, node));
    }
}
