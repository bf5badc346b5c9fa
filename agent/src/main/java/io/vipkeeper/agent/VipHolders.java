package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.HolderCandidates;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * "Where is my VIP": the MASTER of a VIP records on each Service behind it who holds it — itself, its backups with
 * their priorities, since when, and the VRRP master-down interval it waited ({@code vipkeeper.io/vip-holders}, written
 * by a {@link Writer}). Only the MASTER writes, and only what changed: writes are coalesced per Service (all of a
 * Service's VIPs this node holds in one write, the latest state only), run on {@code executor} (a background thread:
 * never in a sync or a VRRP event), and passes over the pending Services are at least {@code minGap} apart, so 1,000
 * flapping VIPs make at most one write per Service per pass, not one per transition.
 */
final class VipHolders {

    /** What this node, MASTER of {@code vip}, says about it. {@code backups} are the other nodes running its instance. */
    record Holder(IpAddress vip, String master, int priority, List<HolderCandidates.Candidate> backups, Instant since,
                  double masterDownSeconds) {
        Holder {
            Objects.requireNonNull(vip, "vip");
            backups = List.copyOf(backups);
        }
    }

    /**
     * Writes this node's holders of one Service: sets the members of {@code held}, drops members of VIPs not in
     * {@code vips} (the Service's VIPs in the table now); leaves the other members (other masters') alone. Failures are
     * logged, not thrown.
     */
    interface Writer {
        void write(ServiceRef service, Map<IpAddress, Holder> held, Set<IpAddress> vips);
    }

    private record Pending(Map<IpAddress, Holder> held, Set<IpAddress> vips) {
    }

    private final Writer writer;
    private final Executor executor;
    private final Duration minGap;
    private final LongSupplier nanoClock;
    /** What this node last queued per Service (only Services where it holds a VIP). */
    private final Map<ServiceRef, Map<IpAddress, Holder>> queued = new HashMap<>();
    /** Services to write, the latest state only. */
    private final Map<ServiceRef, Pending> pending = new LinkedHashMap<>();
    private boolean drainQueued;
    private long lastPass = Long.MIN_VALUE;

    VipHolders(Writer writer, Executor executor, Duration minGap, LongSupplier nanoClock) {
        this.writer = writer;
        this.executor = executor;
        this.minGap = minGap;
        this.nanoClock = nanoClock;
    }

    /** A holder that writes nothing (tests and tools without an API). */
    static VipHolders none() {
        return new VipHolders((s, h, v) -> { }, Runnable::run, Duration.ZERO, System::nanoTime);
    }

    /** This node is MASTER of exactly {@code held} now (every VIP); queues the Services whose record changed. */
    void update(Map<IpAddress, Holder> held, VipTable table) {
        Map<ServiceRef, Map<IpAddress, Holder>> byService = new HashMap<>();
        for (Holder h : held.values()) {
            VipEntry e = table.entries().get(h.vip());
            if (e == null) {
                continue;
            }
            for (VipTarget t : e.targets()) {
                byService.computeIfAbsent(t.service(), k -> new TreeMap<>()).put(h.vip(), h);
            }
        }
        boolean schedule = false;
        Map<ServiceRef, Set<IpAddress>> vipsByService = null;
        synchronized (this) {
            queued.keySet().retainAll(byService.keySet()); // no longer MASTER there: the next master writes
            pending.keySet().retainAll(byService.keySet());
            for (Map.Entry<ServiceRef, Map<IpAddress, Holder>> e : byService.entrySet()) {
                if (!e.getValue().equals(queued.get(e.getKey()))) {
                    queued.put(e.getKey(), e.getValue());
                    if (vipsByService == null) {
                        vipsByService = vipsByService(table);
                    }
                    pending.put(e.getKey(), new Pending(e.getValue(), vipsByService.get(e.getKey())));
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

    private static Map<ServiceRef, Set<IpAddress>> vipsByService(VipTable table) {
        Map<ServiceRef, Set<IpAddress>> out = new HashMap<>();
        for (VipEntry e : table.entries().values()) {
            for (VipTarget t : e.targets()) {
                out.computeIfAbsent(t.service(), k -> new TreeSet<>()).add(e.vip());
            }
        }
        return out;
    }

    /** One pass: every pending Service written once, with what is pending when its turn comes. */
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
                p = pending.remove(s); // null: no longer MASTER there since it was queued
            }
            if (p != null) {
                writer.write(s, p.held(), p.vips());
            }
        }
    }
}
