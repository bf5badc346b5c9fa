package io.vipkeeper.agent;

import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.bgp.BgpSplit;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the BGP side of a sync needs beyond the plan, as last observed: the pool placements (VIP ConfigMap
 * annotation), this node's labels and IPv4 address (its Node), and the peers (flags, BgpPeer objects). The sync
 * thread writes it before each sync; {@link #split} and the {@link BirdApplier} read it.
 */
final class BgpContext {

    private final String nodeName;
    private final Announce defaultMode;
    private final List<BgpPeer> flagPeers;
    private volatile Supplier<List<BgpPeer>> objectPeers = List::of;
    private volatile PoolPlacements placements = PoolPlacements.NONE;
    private volatile Map<String, String> labels = Map.of();
    private volatile IpAddress nodeIpv4;

    BgpContext(String nodeName, Announce defaultMode, List<BgpPeer> flagPeers) {
        this.nodeName = nodeName;
        this.defaultMode = defaultMode;
        this.flagPeers = List.copyOf(flagPeers);
    }

    /** Peers from BgpPeer objects (already validated), added to the flags' ones. */
    void objectPeers(Supplier<List<BgpPeer>> peers) {
        this.objectPeers = peers;
    }

    /** Takes the snapshot's placements unless they were refused (then the last good ones stay, as for VRRP). */
    void observed(ClusterSnapshot snapshot) {
        if (snapshot.placementRefusal() == null) {
            this.placements = snapshot.placements();
        }
        for (NodeInfo n : snapshot.nodes()) {
            if (n.name().equals(nodeName)) {
                labels = n.labels();
                List<IpAddress> all = new ArrayList<>(n.internalIps());
                all.addAll(n.externalIps());
                nodeIpv4 = all.stream().filter(IpAddress::isIpv4).findFirst().orElse(nodeIpv4);
            }
        }
    }

    BgpSplit.Result split(AgentPlan plan) {
        return BgpSplit.split(plan, placements, defaultMode, labels);
    }

    /** The plan keepalived gets: no VRRP instance holds a BGP VIP. */
    AgentPlan vrrpPlan(AgentPlan plan) {
        return split(plan).vrrp();
    }

    /** The peers this node sessions with: flags first, then objects; a peer given twice is taken once (the first). */
    List<BgpPeer> peers() {
        List<BgpPeer> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<BgpPeer> all = new ArrayList<>(flagPeers);
        all.addAll(objectPeers.get());
        for (BgpPeer p : all) {
            if (p.appliesTo(labels) && !names.contains(p.name())) {
                names.add(p.name());
                out.add(p);
            }
        }
        return out;
    }

    IpAddress nodeIpv4() {
        return nodeIpv4;
    }
}
