package io.vipkeeper.core.alloc;

import io.vipkeeper.core.net.IpAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * The free addresses of one pool as disjoint intervals (start → inclusive end). Taking the lowest,
 * taking a given address and giving one back are O(log intervals), whatever the pool's size: a /64
 * costs as little as a /29, and 60,000 addresses in use in a /16 cost no scan.
 */
final class FreeList {

    private final TreeMap<IpAddress, IpAddress> intervals = new TreeMap<>();

    void addRange(IpAddress first, IpAddress last) {
        intervals.put(first, last);
    }

    /** The lowest free address, or null when none is free. */
    IpAddress lowest() {
        Map.Entry<IpAddress, IpAddress> e = intervals.firstEntry();
        return e == null ? null : e.getKey();
    }

    boolean contains(IpAddress x) {
        Map.Entry<IpAddress, IpAddress> e = intervals.floorEntry(x);
        return e != null && e.getValue().compareTo(x) >= 0;
    }

    /** Marks x as not free; no-op when it is not free. */
    void remove(IpAddress x) {
        Map.Entry<IpAddress, IpAddress> e = intervals.floorEntry(x);
        if (e == null || e.getValue().compareTo(x) < 0) {
            return;
        }
        IpAddress start = e.getKey();
        IpAddress end = e.getValue();
        intervals.remove(start);
        if (start.compareTo(x) < 0) {
            intervals.put(start, x.previous());
        }
        if (x.compareTo(end) < 0) {
            intervals.put(x.next(), end);
        }
    }

    /** Marks x as free, merging with its neighbours; no-op when it is already free. */
    void add(IpAddress x) {
        Map.Entry<IpAddress, IpAddress> lower = intervals.floorEntry(x);
        if (lower != null && lower.getValue().compareTo(x) >= 0) {
            return;
        }
        IpAddress start = x;
        IpAddress end = x;
        if (lower != null && !lower.getValue().isMax() && lower.getValue().next().equals(x)) {
            start = lower.getKey();
        }
        if (!x.isMax()) {
            IpAddress after = x.next();
            IpAddress higherEnd = intervals.remove(after);
            if (higherEnd != null) {
                end = higherEnd;
            }
        }
        intervals.put(start, end);
    }

    int intervalCount() {
        return intervals.size();
    }
}
