package io.vipkeeper.core.agent;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.SpecialAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Who this node is among the VRRP peers, computed by {@link #resolve}, a pure function of the Node list.
 *
 * @param name          this node's name
 * @param address       this node's IP: {@code --node-ip}, else its first ExternalIP, else its first InternalIP
 * @param peers         every other node's IP of the same family (ExternalIP first, then InternalIP), sorted as
 *                      addresses (the seed sorted strings, so 10.0.0.10 came before 10.0.0.9)
 * @param clusterNodes  every node name, sorted (the per-VIP priority ranks them)
 * @param singlePriority the priority of the single instance: {@link #singlePriority(int, int)} of this node's index
 *                      among the sorted addresses of its family (itself and its peers)
 * @param skipped       nodes left out of the peers because they have no address of this family
 */
public record NodeIdentity(String name, IpAddress address, List<IpAddress> peers, List<String> clusterNodes,
                           int singlePriority, List<String> skipped) {

    public NodeIdentity {
        AgentChecks.nodeName(name);
        peers = List.copyOf(peers);
        clusterNodes = List.copyOf(clusterNodes);
        skipped = List.copyOf(skipped);
    }

    /**
     * @param nodeIp the {@code --node-ip} override, or null
     * @throws InvalidInputException when this node is not in the list and no override is given, or has no address
     */
    public static NodeIdentity resolve(String nodeName, List<NodeInfo> nodes, IpAddress nodeIp) {
        AgentChecks.nodeName(nodeName);
        NodeInfo self = nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst().orElse(null);
        IpAddress own = nodeIp;
        if (own == null) {
            if (self == null) {
                throw new InvalidInputException("node " + nodeName + " is not among the Nodes and --node-ip is not set");
            }
            own = usable(self.externalIps()).or(() -> usable(self.internalIps())).orElse(null);
            if (own == null) {
                throw new InvalidInputException("node " + nodeName
                        + " has neither an ExternalIP nor an InternalIP address (loopback and the like do not count); set --node-ip");
            }
        }
        TreeSet<IpAddress> peers = new TreeSet<>();
        TreeSet<String> names = new TreeSet<>();
        List<String> skipped = new ArrayList<>();
        names.add(nodeName);
        for (NodeInfo n : nodes) {
            names.add(n.name());
            if (n.name().equals(nodeName)) {
                continue;
            }
            IpAddress a = first(n.externalIps(), own);
            if (a == null) {
                a = first(n.internalIps(), own);
            }
            if (a == null) {
                skipped.add(n.name());
            } else if (!a.equals(own)) {
                peers.add(a);
            }
        }
        TreeSet<IpAddress> all = new TreeSet<>(peers);
        all.add(own);
        int index = all.headSet(own).size();
        return new NodeIdentity(nodeName, own, List.copyOf(peers), List.copyOf(names), singlePriority(index, all.size()),
                skipped.stream().sorted().toList());
    }

    /**
     * The single instance's priority of the node at {@code index} (0 = lowest address) among {@code count} nodes: the
     * highest address gets 254 and each lower one {@code step = min(50, 100 / (count - 1))} less (at least 1), never
     * below 150 (beyond 101 nodes the lowest share 150; VRRP breaks the tie by the higher address). Spaced so that after
     * a MASTER's priority-0 advert the backups' skew times, (256 - priority) / 256 × advert, differ by several ms: the
     * highest backup takes over alone instead of two taking over and one yielding (the VIP would move twice). 25 apart
     * (9.8 ms at 0.1 s adverts) was not enough on a busy 2-core CI machine: two MASTERs 39 ms apart once in 8 rounds. The order
     * is the former 200 + index's (the highest address wins an election) and, up to 154 nodes as before, every priority
     * stays above kube-keepalived-vip's 100 + index, so during a migration a vipkeeper node wins every election against
     * the old agents.
     *
     * @throws IllegalArgumentException unless 0 <= index < count
     */
    public static int singlePriority(int index, int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("index " + index + " out of " + count + " nodes");
        }
        if (count == 1) {
            return 254;
        }
        int step = Math.max(1, Math.min(50, 100 / (count - 1)));
        return Math.max(150, 254 - step * (count - 1 - index));
    }

    private static Optional<IpAddress> usable(List<IpAddress> list) {
        return list.stream().filter(a -> SpecialAddress.of(a).isEmpty()).findFirst();
    }

    /** The first address of the family that may be a unicast peer (never loopback, multicast and the like). */
    private static IpAddress first(List<IpAddress> list, IpAddress sameFamilyAs) {
        for (IpAddress a : list) {
            if (a.family() == sameFamilyAs.family() && SpecialAddress.of(a).isEmpty()) {
                return a;
            }
        }
        return null;
    }
}
