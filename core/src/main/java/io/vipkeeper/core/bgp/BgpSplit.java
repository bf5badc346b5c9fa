package io.vipkeeper.core.bgp;

import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.PoolPlacements;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Splits a node's plan by announcement mode (a VIP's pool placement, else {@code --announce}): VRRP VIPs stay in the
 * keepalived instances; BGP VIPs leave them (no VRRP instance holds them), stay in {@link AgentPlan#vips()} (the
 * data plane forwards them as before), are bound on this node and announced by BIRD when this node is eligible:
 * its labels match the pool's node selector, it is not handing over ({@link AgentPlan#handover()}) and, for
 * externalTrafficPolicy Local, it has a ready local endpoint.
 */
public final class BgpSplit {

    /**
     * @param vrrp      the plan for keepalived and the data plane: BGP VIPs in no instance
     * @param bound     the BGP VIPs this node holds locally (bound, forwarded), announced or not
     * @param announced the BGP VIPs this node announces now
     * @param allowed   the prefixes announcements must fall in: the BGP pools' ranges, or the VIP itself when no
     *                  pool placement names it
     */
    public record Result(AgentPlan vrrp, List<IpAddress> bound, List<BgpVip> announced, List<Cidr> allowed) {
        public Result {
            bound = bound.stream().sorted().toList();
            announced = announced.stream().sorted().toList();
        }

        public static Result vrrpOnly(AgentPlan plan) {
            return new Result(plan, List.of(), List.of(), List.of());
        }
    }

    private BgpSplit() {
    }

    public static Announce mode(IpAddress vip, PoolPlacements placements, Announce defaultMode) {
        return placements.of(vip).map(PoolPlacement::announce).orElse(defaultMode);
    }

    public static Result split(AgentPlan plan, PoolPlacements placements, Announce defaultMode, Map<String, String> nodeLabels) {
        Set<IpAddress> bgp = new HashSet<>();
        List<IpAddress> bound = new ArrayList<>();
        List<BgpVip> announced = new ArrayList<>();
        Set<Cidr> allowed = new TreeSet<>((a, b) -> a.network().equals(b.network()) ? Integer.compare(a.prefix(), b.prefix())
                : a.network().compareTo(b.network()));
        for (ResolvedVip v : plan.vips()) {
            if (mode(v.vip(), placements, defaultMode) != Announce.BGP) {
                continue;
            }
            bgp.add(v.vip());
            Optional<PoolPlacement> p = placements.of(v.vip());
            if (!p.map(pp -> pp.nodes().map(s -> s.matches(nodeLabels)).orElse(true)).orElse(true)) {
                continue; // the pool's VIPs live on other nodes
            }
            bound.add(v.vip());
            boolean eligible = !v.localOnly() || v.ports().stream().anyMatch(port -> !port.backends().isEmpty());
            if (!eligible) {
                continue; // externalTrafficPolicy Local without a ready endpoint here: routers must not send it here
            }
            if (plan.handover() != null) {
                continue; // handing over: bound and forwarded while routers move to the other nodes, not announced
            }
            announced.add(new BgpVip(v.vip(), p.map(PoolPlacement::communities).orElse(List.of()),
                    p.flatMap(PoolPlacement::localPreference).orElse(null)));
            if (p.isPresent()) {
                for (IpRange r : p.get().ranges()) {
                    allowed.addAll(BirdPlan.cidrs(r));
                }
            } else {
                allowed.add(new Cidr(v.vip(), v.vip().family().bits()));
            }
        }
        if (bgp.isEmpty()) {
            return Result.vrrpOnly(plan);
        }
        List<VrrpInstance> instances = new ArrayList<>();
        for (VrrpInstance i : plan.instances()) {
            List<IpAddress> kept = i.vips().stream().filter(a -> !bgp.contains(a)).toList();
            if (kept.size() == i.vips().size()) {
                instances.add(i);
            } else if (!kept.isEmpty()) {
                instances.add(new VrrpInstance(i.name(), i.family(), i.vrid(), i.priority(), kept, i.unicastSrc(), i.peers(),
                        i.trackFile(), i.trackFilePath()));
            }
        }
        AgentPlan vrrp = new AgentPlan(plan.settings(), plan.vips(), instances, plan.reports(), plan.sync(), plan.handover());
        return new Result(vrrp, bound, announced, new ArrayList<>(allowed));
    }
}
