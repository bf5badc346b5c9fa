package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * "Where is my VIP" for BGP VIPs: every eligible node announces them (ECMP), so there is no MASTER to write
 * {@code vipkeeper.io/vip-holders}; instead each node records itself in the {@code announcers} list of each BGP VIP it
 * announces now and takes itself out when it stops (written by a {@link Writer}, which only ever edits this node's own
 * membership, so nodes writing at once converge). Writes are coalesced per Service and made on {@code executor} as
 * {@link VipHolders}' are, passes at least {@code minGap} apart.
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
    private final Executor executor;
    private final Duration minGap;
    private final LongSupplier nanoClock;
    /** What this node last queued per Service where it announces a VIP (with the Service's VIPs then). */
    private final Map<ServiceRef, Pending> queued = new HashMap<>();
    private final Map<ServiceRef, Pending> pending = new LinkedHashMap<>();
    private boolean drainQueued;
    private boolean first = true;
    /** Held across each write: the withdrawal on stop comes after a write already under way, never before it. */
    private final Object writing = new Object();
    /** Set on stop: nothing is queued or written for this node after the withdrawal. */
    private volatile boolean closed;
    private long lastPass = Long.MIN_VALUE;

    VipAnnouncers(Writer writer, String node, Executor executor, Duration minGap, LongSupplier nanoClock) {
        this.writer = writer;
        this.node = node;
        this.executor = executor;
        this.minGap = minGap;
        this.nanoClock = nanoClock;
    }

    /**
     * This node announces exactly {@code announced} now; {@code bound} are the BGP VIPs it holds (announced or not).
     * The first time, the Services of {@code bound} are written even when nothing changed: a record left by an earlier
     * run that ended without withdrawing (a crash) is corrected.
     */
    void update(Collection<IpAddress> announced, Collection<IpAddress> bound, VipTable table) {
        if (closed) {
            return;
        }
        Map<ServiceRef, Set<IpAddress>> byService = byService(announced, table);
        Map<ServiceRef, Set<IpAddress>> vips = byService(table.entries().keySet(), table);
        boolean schedule = false;
        synchronized (this) {
            Set<ServiceRef> touched = new HashSet<>(byService.keySet());
            touched.addAll(queued.keySet());
            Set<ServiceRef> forced = first ? byService(bound, table).keySet() : Set.of();
            touched.addAll(forced);
            first = false;
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
                    pending.put(s, p);
                    schedule = true;
                }
            }
            if (schedule && !drainQueued) {
                drainQueued = true;
            } else {
                schedule = false;
            }
        }
        if (schedule) {
            executor.execute(this::drain);
        }
    }

    /**
     * Stopping: takes this node out of every Service where it recorded itself, now, on the caller's thread, after a
     * write that is under way (which could otherwise re-add this node after the withdrawal).
     */
    void withdrawAll() {
        closed = true;
        Map<ServiceRef, Set<IpAddress>> out = new LinkedHashMap<>();
        synchronized (this) {
            queued.forEach((s, p) -> out.put(s, p.vips()));
            pending.forEach((s, p) -> out.put(s, p.vips()));
            queued.clear();
            pending.clear();
        }
        synchronized (writing) {
            out.forEach((s, v) -> writer.announce(s, node, Set.of(), v));
        }
    }

    private static Map<ServiceRef, Set<IpAddress>> byService(Collection<IpAddress> vips, VipTable table) {
        Map<ServiceRef, Set<IpAddress>> out = new HashMap<>();
        for (IpAddress v : vips) {
            VipEntry e = table.entries().get(v);
            if (e != null) {
                for (VipTarget t : e.targets()) {
                    out.computeIfAbsent(t.service(), k -> new TreeSet<>()).add(v);
                }
            }
        }
        return out;
    }

    private void drain() {
        long wait;
        synchronized (this) {
            wait = lastPass == Long.MIN_VALUE ? 0 : minGap.toNanos() - (nanoClock.getAsLong() - lastPass);
        }
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        List<ServiceRef> services;
        synchronized (this) {
            lastPass = nanoClock.getAsLong();
            drainQueued = false;
            services = List.copyOf(pending.keySet());
        }
        for (ServiceRef s : services) {
            Pending p;
            synchronized (this) {
                p = pending.remove(s);
            }
            if (p != null) {
                synchronized (writing) {
                    if (closed) {
                        return; // withdrawn meanwhile: the withdrawal covered this Service
                    }
                    writer.announce(s, node, p.announced(), p.vips());
                }
            }
        }
    }
}
