package io.vipkeeper.core.plan;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * Per-VIP priorities by rendezvous hashing: every node scores {@code StableHash.hash(vip + "|" + nodeName)}; the
 * highest score ranks 0. Priority = 200 - {@link #step} × rank (at least 1). Each node thus ranks first for about 1/N
 * of the VIPs, and a node joining or leaving only changes the order of the VIPs where it ranked first — the others
 * keep their top node. Per-vip instances preempt (after preempt_delay): the first choice takes its VIP back.
 */
public final class Priorities {

    public static final int TOP = 200;
    /** The widest step between consecutive ranks (2 and 3 nodes: 200, 151, 102). */
    static final int MAX_STEP = 49;

    private Priorities() {
    }

    public static int perVip(IpAddress vip, List<String> clusterNodes, String self) {
        int count = clusterNodes.contains(self) ? clusterNodes.size() : clusterNodes.size() + 1;
        return Math.max(1, TOP - step(count) * rank(vip, clusterNodes, self));
    }

    /**
     * The priority step between consecutive ranks among {@code count} nodes: {@code min(49, 99 / (count - 1))}, at
     * least 1. Spaced for the reason the single instance's are ({@code NodeIdentity.singlePriority}): when a holder
     * goes (its priority-0 advert, or 3 missed adverts) the backups take over after skews that differ by step/256 of
     * an advert. One rank apart (0.4 ms at 0.1 s) the third choice won in 5 of 7 kills of the holder's keepalived in
     * the lab and the second took the VIP from it 5 s later (preempt_delay): a second move, a second race for new
     * connections; at other kills both were MASTER for 25-55 ms, and connections failed. The whole range stays under
     * 100 (every priority above 100, up to 100 nodes), so a node whose catch-up holds its instances back
     * ({@code AgentPlan.syncGateWeight}: -100) ranks below every other node.
     */
    static int step(int count) {
        return count <= 1 ? 1 : Math.max(1, Math.min(MAX_STEP, 99 / (count - 1)));
    }

    /** This node's rank among the cluster's nodes for this VIP (0 = first choice). */
    public static int rank(IpAddress vip, List<String> clusterNodes, String self) {
        long own = score(vip, self);
        int rank = 0;
        for (String n : clusterNodes) {
            if (n.equals(self)) {
                continue;
            }
            long s = score(vip, n);
            if (Long.compareUnsigned(s, own) > 0 || (s == own && n.compareTo(self) < 0)) {
                rank++;
            }
        }
        return rank;
    }

    private static long score(IpAddress vip, String node) {
        return StableHash.hash(vip + "|" + node);
    }
}
