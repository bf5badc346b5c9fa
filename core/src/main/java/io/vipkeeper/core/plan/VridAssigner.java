package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.VridRange;
import io.vipkeeper.core.net.IpAddress;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-VIP virtual router ids. The rule (docs/agent.md, "VRID rule"):
 * <ol>
 * <li>Take the cluster's VIPs in address order (IPv4 before IPv6).</li>
 * <li>A VIP's home id is {@code first + (StableHash.hash(canonical address) mod size)} (unsigned).</li>
 * <li>If that id is taken by an earlier VIP, try the next id, wrapping from {@code last} to {@code first}.</li>
 * <li>When every id is taken, the remaining VIPs get none (they are reported and not held).</li>
 * </ol>
 * Every node computes the same ids from the same VIP set. A VIP keeps its id while other VIPs come and go as long
 * as it sits on its home id; a VIP that was pushed along by a collision can move when the VIP it collided with
 * goes away (or when a lower-sorting VIP arrives with the same home). One range holds at most {@code size} VIPs
 * per interface; two clusters on one LAN must use disjoint ranges.
 */
public final class VridAssigner {

    private VridAssigner() {
    }

    /** VIP → id, for as many VIPs as the range holds; the VIPs missing from the result got none. */
    public static Map<IpAddress, Integer> assign(Collection<IpAddress> vips, VridRange range) {
        Map<IpAddress, Integer> out = new TreeMap<>();
        boolean[] taken = new boolean[range.size()];
        int free = range.size();
        for (IpAddress vip : new TreeSet<>(vips)) {
            if (free == 0) {
                break;
            }
            int slot = home(vip, range);
            while (taken[slot]) {
                slot = (slot + 1) % taken.length;
            }
            taken[slot] = true;
            free--;
            out.put(vip, range.first() + slot);
        }
        return out;
    }

    /**
     * Single mode: the ids of the pools that have their own instance (an interface or a nodeSelector of their own),
     * by the same rule with the pool names in name order (home id from {@code StableHash("pool/" + name)}), never
     * {@code reserved} (the {@code --vrid} of the instances {@code vips}/{@code vips6}). Every node computes the same
     * ids from the same published placements.
     */
    public static Map<String, Integer> assignPools(Collection<String> pools, VridRange range, int reserved) {
        Map<String, Integer> out = new TreeMap<>();
        boolean[] taken = new boolean[range.size()];
        int free = range.size();
        if (range.contains(reserved)) {
            taken[reserved - range.first()] = true;
            free--;
        }
        for (String pool : new TreeSet<>(pools)) {
            if (free == 0) {
                break;
            }
            int slot = (int) Long.remainderUnsigned(StableHash.hash("pool/" + pool), range.size());
            while (taken[slot]) {
                slot = (slot + 1) % taken.length;
            }
            taken[slot] = true;
            free--;
            out.put(pool, range.first() + slot);
        }
        return out;
    }

    static int home(IpAddress vip, VridRange range) {
        return (int) Long.remainderUnsigned(StableHash.hash(vip.toString()), range.size());
    }
}
