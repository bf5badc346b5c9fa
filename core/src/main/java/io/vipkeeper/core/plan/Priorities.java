package io.vipkeeper.core.plan;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * Per-VIP priorities by rendezvous hashing: every node scores {@code StableHash.hash(vip + "|" + nodeName)}; the
 * highest score ranks 0. Priority = 200 - rank (at least 1). Each node thus ranks first for about 1/N of the VIPs,
 * and a node joining or leaving only changes the order of the VIPs where it ranked first — the others keep their
 * top node. With nopreempt the priority only decides elections (start, failover), never takes a VIP from a master.
 */
public final class Priorities {

    public static final int TOP = 200;

    private Priorities() {
    }

    public static int perVip(IpAddress vip, List<String> clusterNodes, String self) {
        return Math.max(1, TOP - rank(vip, clusterNodes, self));
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
