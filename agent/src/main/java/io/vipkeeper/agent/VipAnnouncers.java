package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipTable;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * "Where is my VIP" for BGP VIPs: every eligible node announces them (ECMP), so there is no MASTER to write
 * {@code vipkeeper.io/vip-holders}; instead each node records itself in the {@code announcers} list of each BGP VIP it
 * announces now and takes itself out when it stops (written by a {@link Writer}, which only ever edits this node's own
 * membership, so nodes writing at once converge). Writes are coalesced per Service and made on {@code executor} as
 * {@link VipHolders}' are, passes at least {@code minGap} apart ({@link ServiceWriteQueue}).
 */
final class VipAnnouncers {

    /**
     * Records on one Service that {@code node} announces exactly {@code announced} of its VIPs {@code vips} (the
     * Service's VIPs in the table now): adds it to those, removes it from the others. Failures are logged, not thrown.
     */
    interface Writer {
        void announce(ServiceRef service, String node, Set<IpAddress> announced, Set<IpAddress> vips);
    }

    private record Pending(Set<IpAddress> announced, Set<IpAddress> vips) {
    }

    private final Writer writer;
    private final String node;
    /** Nothing is queued or written for this node once closed (on stop) but the withdrawal. */
    private final ServiceWriteQueue<Pending> writes;
    /** What this node last queued per Service where it announces a VIP (with the Service's VIPs then). */
    private final Map<ServiceRef, Pending> queued = new HashMap<>();
    private boolean first = true;

    VipAnnouncers(Writer writer, String node, Executor executor, Duration minGap, LongSupplier nanoClock) {
        this.writer = writer;
        this.node = node;
        this.writes = new ServiceWriteQueue<>((s, p) -> writer.announce(s, node, p.announced(), p.vips()), executor, minGap,
                nanoClock);
    }

    /**
     * This node announces exactly {@code announced} now; {@code bound} are the BGP VIPs it holds (announced or not).
     * The first time, the Services of {@code bound} are written even when nothing changed: a record left by an earlier
     * run that ended without withdrawing (a crash) is corrected.
     */
    void update(Collection<IpAddress> announced, Collection<IpAddress> bound, VipTable table) {
        if (writes.closed()) {
            return;
        }
        Map<ServiceRef, Set<IpAddress>> byService = ServiceWriteQueue.vipsByService(announced, table);
        Map<ServiceRef, Set<IpAddress>> vips = ServiceWriteQueue.vipsByService(table.entries().keySet(), table);
        synchronized (this) {
            Set<ServiceRef> touched = new HashSet<>(byService.keySet());
            touched.addAll(queued.keySet());
            Set<ServiceRef> forced = first ? ServiceWriteQueue.vipsByService(bound, table).keySet() : Set.of();
            touched.addAll(forced);
            first = false;
            Map<ServiceRef, Pending> changed = new LinkedHashMap<>();
            for (ServiceRef s : touched) {
                Set<IpAddress> now = byService.getOrDefault(s, Set.of());
                Pending before = queued.get(s);
                if (forced.contains(s) || !now.equals(before == null ? Set.of() : before.announced())) {
                    Pending p = new Pending(now, vips.getOrDefault(s, Set.of()));
                    if (now.isEmpty()) {
                        queued.remove(s);
                    } else {
                        queued.put(s, p);
                    }
                    changed.put(s, p);
                }
            }
            writes.enqueue(changed); // under this lock: queued and the queue change together
        }
    }

    /**
     * Stopping: takes this node out of every Service where it recorded itself, now, on the caller's thread, after a
     * write that is under way (which could otherwise re-add this node after the withdrawal).
     */
    void withdrawAll() {
        Map<ServiceRef, Set<IpAddress>> out = new LinkedHashMap<>();
        synchronized (this) {
            // under this lock: an update's queued and queue changes are both before the close or both after it
            Map<ServiceRef, Pending> dropped = writes.close();
            queued.forEach((s, p) -> out.put(s, p.vips()));
            dropped.forEach((s, p) -> out.put(s, p.vips()));
            queued.clear();
        }
        out.forEach((s, v) -> writer.announce(s, node, Set.of(), v));
    }
}
