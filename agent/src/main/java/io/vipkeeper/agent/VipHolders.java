package io.vipkeeper.agent;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.HolderCandidates;
import io.vipkeeper.core.viptable.VipTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * "Where is my VIP": the MASTER of a VIP records on each Service behind it who holds it — itself, its backups with
 * their priorities, since when, and the VRRP master-down interval it waited ({@code vipkeeper.io/vip-holders}, written
 * by a {@link Writer}). Only the MASTER writes, and only what changed: writes are coalesced per Service (all of a
 * Service's VIPs this node holds in one write, the latest state only), run on {@code executor} (a background thread:
 * never in a sync or a VRRP event), and passes over the pending Services are at least {@code minGap} apart, so 1,000
 * flapping VIPs make at most one write per Service per pass, not one per transition ({@link ServiceWriteQueue}).
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

    private final ServiceWriteQueue<Pending> writes;
    /** What this node last queued per Service (only Services where it holds a VIP). */
    private final Map<ServiceRef, Map<IpAddress, Holder>> queued = new HashMap<>();

    VipHolders(Writer writer, Executor executor, Duration minGap, LongSupplier nanoClock) {
        this.writes = new ServiceWriteQueue<>((s, p) -> writer.write(s, p.held(), p.vips()), executor, minGap, nanoClock);
    }

    /** A holder that writes nothing (tests and tools without an API). */
    static VipHolders none() {
        return new VipHolders((s, h, v) -> { }, Runnable::run, Duration.ZERO, System::nanoTime);
    }

    /** This node is MASTER of exactly {@code held} now (every VIP); queues the Services whose record changed. */
    void update(Map<IpAddress, Holder> held, VipTable table) {
        Map<IpAddress, Holder> byVip = new HashMap<>();
        for (Holder h : held.values()) {
            byVip.put(h.vip(), h);
        }
        Map<ServiceRef, Map<IpAddress, Holder>> byService = new HashMap<>();
        ServiceWriteQueue.vipsByService(byVip.keySet(), table).forEach((s, vips) -> {
            Map<IpAddress, Holder> of = new TreeMap<>();
            vips.forEach(v -> of.put(v, byVip.get(v)));
            byService.put(s, of);
        });
        synchronized (this) {
            queued.keySet().retainAll(byService.keySet()); // no longer MASTER there: the next master writes
            writes.retainOnly(byService.keySet());
            Map<ServiceRef, Pending> changed = new LinkedHashMap<>();
            Map<ServiceRef, Set<IpAddress>> vipsByService = null;
            for (Map.Entry<ServiceRef, Map<IpAddress, Holder>> e : byService.entrySet()) {
                if (!e.getValue().equals(queued.get(e.getKey()))) {
                    queued.put(e.getKey(), e.getValue());
                    if (vipsByService == null) {
                        vipsByService = ServiceWriteQueue.vipsByService(table.entries().keySet(), table);
                    }
                    changed.put(e.getKey(), new Pending(e.getValue(), vipsByService.get(e.getKey())));
                }
            }
            writes.enqueue(changed); // under this lock: queued and the queue change together
        }
    }
}
