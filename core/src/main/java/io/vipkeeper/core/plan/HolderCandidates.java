package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.NodeIdentity;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.SpecialAddress;
import io.vipkeeper.core.pool.PoolPlacements;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which nodes run a VRRP instance, with the priority each runs it at — what every agent computes for itself, computed
 * here for all of them from the same input (the Node list and the published placements), so the MASTER can say who
 * its backups are without asking them. A node counts when its labels match the VIPs' pool's nodeSelector (all nodes
 * when none) and, in single mode, it has an address of this node's family (as {@code NodeIdentity} ranks peers).
 * Not seen from here: a node whose agent or keepalived is down, or whose instance is in FAULT (a failed track, no local
 * endpoint with externalTrafficPolicy Local), is listed all the same.
 */
public final class HolderCandidates {

    /** A node that runs the instance, at {@code priority}. */
    public record Candidate(String node, int priority) {
    }

    private HolderCandidates() {
    }

    /**
     * The nodes running {@code instance}, highest priority first (then by name), {@code self} included.
     *
     * @param selfIp {@code --node-ip} of this node, or null
     */
    public static List<Candidate> of(VrrpInstance instance, AgentSettings settings, List<NodeInfo> nodes,
                                     PoolPlacements placements, String self, IpAddress selfIp) {
        IpAddress first = instance.vips().get(0);
        List<NodeInfo> eligible = nodes.stream().filter(n -> placements.allowsNode(first, n.labels())).toList();
        List<Candidate> out = new ArrayList<>();
        if (settings.instanceMode() == InstanceMode.PER_VIP) {
            TreeSet<String> names = new TreeSet<>();
            nodes.forEach(n -> names.add(n.name()));
            names.add(self);
            List<String> all = List.copyOf(names);
            for (NodeInfo n : eligible) {
                if (!n.name().equals(self)) {
                    out.add(new Candidate(n.name(), Priorities.perVip(first, all, n.name())));
                }
            }
            out.add(new Candidate(self, instance.priority()));
        } else {
            // NodeIdentity.singlePriority of the node's index among every node's address of this family (eligible or
            // not, this node's own included), as NodeIdentity ranks them
            NodeInfo selfInfo = nodes.stream().filter(n -> n.name().equals(self)).findFirst().orElse(null);
            IpAddress own = selfIp != null ? selfIp : selfInfo != null ? address(selfInfo, null) : instance.unicastSrc();
            Map<String, IpAddress> address = new TreeMap<>();
            for (NodeInfo n : nodes) {
                IpAddress a = n.name().equals(self) ? own : address(n, own);
                if (a != null) {
                    address.put(n.name(), a);
                }
            }
            TreeSet<IpAddress> sorted = new TreeSet<>(address.values());
            if (own != null) {
                sorted.add(own); // counted by NodeIdentity even when this node is not (yet) in the Node list
            }
            for (NodeInfo n : eligible) {
                IpAddress a = address.get(n.name());
                if (!n.name().equals(self) && a != null && sorted.contains(a)) {
                    out.add(new Candidate(n.name(), NodeIdentity.singlePriority(sorted.headSet(a).size(), sorted.size())));
                }
            }
            out.add(new Candidate(self, instance.priority()));
        }
        out.sort(Comparator.comparingInt(Candidate::priority).reversed().thenComparing(Candidate::node));
        return out;
    }

    /**
     * The VRRP master-down interval at {@code priority}: how long a backup waits after the last advertisement it heard
     * before it takes over — 3 × advert + (256 − priority) / 256 × advert (RFC 5798; with VRRPv2, RFC 3768, the skew
     * is (256 − priority) / 256 s).
     */
    public static double masterDownSeconds(AgentSettings settings, int priority) {
        double advert = settings.advertInterval().centis() / 100.0;
        double skew = (256 - priority) / 256.0 * (settings.vrrpVersion() == 2 ? 1.0 : advert);
        return 3 * advert + skew;
    }

    /** A node's own address as NodeIdentity picks it: its first usable ExternalIP, else InternalIP (of the family when given). */
    private static IpAddress address(NodeInfo n, IpAddress sameFamilyAs) {
        for (List<IpAddress> list : List.of(n.externalIps(), n.internalIps())) {
            for (IpAddress a : list) {
                if (SpecialAddress.of(a).isEmpty() && (sameFamilyAs == null || a.family() == sameFamilyAs.family())) {
                    return a;
                }
            }
        }
        return null;
    }
}
