package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The per-Service annotation writes of {@link VipHolders} and {@link VipAnnouncers}, coalesced and paced: what is queued
 * for a Service replaces what was pending for it (the latest state only), passes over the pending Services run on
 * {@code executor} (a background thread: never in a sync or a VRRP event) and are at least {@code minGap} apart, so
 * many VIP changes make at most one write per Service per pass. After {@link #close} nothing more is written.
 *
 * @param <P> what one write of a Service says
 */
final class ServiceWriteQueue<P> {

    /** Writes one Service. Failures are the writer's to log, not thrown. */
    interface Write<P> {
        void write(ServiceRef service, P state);
    }

    private final Write<P> write;
    private final Executor executor;
    private final Duration minGap;
    private final LongSupplier nanoClock;
    /** Services to write, the latest state only. */
    private final Map<ServiceRef, P> pending = new LinkedHashMap<>();
    private boolean passQueued;
    private long lastPass = Long.MIN_VALUE;
    /** Held across each write: {@link #close} returns only after a write already under way. */
    private final Object writing = new Object();
    private volatile boolean closed;

    ServiceWriteQueue(Write<P> write, Executor executor, Duration minGap, LongSupplier nanoClock) {
        this.write = write;
        this.executor = executor;
        this.minGap = minGap;
        this.nanoClock = nanoClock;
    }

    /**
     * The Services behind {@code vips} in {@code table}, each with those of {@code vips} it has (sorted); a VIP not in
     * the table is skipped. With every VIP of the table: each Service's VIPs now.
     */
    static Map<ServiceRef, Set<IpAddress>> vipsByService(Collection<IpAddress> vips, VipTable table) {
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

    /** Queues {@code writes}, each replacing what is pending for its Service, and starts a pass if none is queued. */
    void enqueue(Map<ServiceRef, P> writes) {
        synchronized (this) {
            if (closed || writes.isEmpty()) {
                return;
            }
            pending.putAll(writes);
            if (passQueued) {
                return;
            }
            passQueued = true;
        }
        executor.execute(this::pass);
    }

    /** Drops what is pending for Services not in {@code services} (no longer this node's to write). */
    synchronized void retainOnly(Set<ServiceRef> services) {
        pending.keySet().retainAll(services);
    }

    boolean closed() {
        return closed;
    }

    /**
     * Stops for good: returns what was pending (never to be written), once a write under way has finished; nothing is
     * written after this returns, so what the caller writes then is the last word.
     */
    Map<ServiceRef, P> close() {
        Map<ServiceRef, P> dropped;
        synchronized (this) {
            closed = true;
            dropped = new LinkedHashMap<>(pending);
            pending.clear();
        }
        synchronized (writing) {
            return dropped; // a write under way has finished; a pass's next finds nothing pending
        }
    }

    /** One pass: every pending Service written once, with what is pending when its turn comes. */
    private void pass() {
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
            passQueued = false;
            services = List.copyOf(pending.keySet());
        }
        for (ServiceRef s : services) {
            synchronized (writing) {
                P p;
                synchronized (this) {
                    p = pending.remove(s); // null: dropped since it was queued (or closed: close returned it)
                }
                if (p != null) {
                    write.write(s, p);
                }
            }
        }
    }
}
