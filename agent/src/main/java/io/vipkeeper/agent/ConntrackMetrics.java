package io.vipkeeper.agent;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.plan.SyncPlan;
import io.vipkeeper.platform.process.Exec;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The conntrack sync metrics, read from {@code conntrackd -s} when scraped. The calls are bounded: at most one every
 * {@link #MAX_AGE} (scrapes in between get the last answer) and each gives up after 2 s. No sample while sync is off.
 */
final class ConntrackMetrics {

    static final Duration MAX_AGE = Duration.ofSeconds(5);

    private final ConntrackdApplier conntrackd;
    private final LongSupplier nanos;
    private ConntrackdStats last;
    private boolean answered;
    private long readAt;

    ConntrackMetrics(PrometheusRegistry registry, ConntrackdApplier conntrackd, UdpSocketDrops udpDrops, LongSupplier nanos) {
        this.conntrackd = conntrackd;
        this.nanos = nanos;
        GaugeWithCallback.builder().name("vipkeeper_conntrack_sync_up")
                .help("1 when conntrackd answers on its control socket, 0 when sync is on but it does not (no sample: sync off)")
                .callback(cb -> {
                    if (read() != null) {
                        cb.call(answered ? 1 : 0);
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("vipkeeper_conntrack_sync_entries")
                .help("Flows of this node in conntrackd's internal cache (synced to the peers)")
                .callback(cb -> stats(s -> cb.call(s.entries()))).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_not_cached_total")
                .help("Flows of this node conntrackd could not take into its cache, which was full (HashLimit, the node's "
                        + "nf_conntrack_max): never sent to the peers (since conntrackd started)")
                .callback(cb -> stats(s -> cb.call(s.notCached()))).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_injected_total")
                .help("Flows from the peers written into this node's kernel table, by result (since conntrackd started)")
                .labelNames("result")
                .callback(cb -> stats(s -> {
                    cb.call(s.injected(), "ok");
                    cb.call(s.injectFailed(), "failed");
                })).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_lost_messages_total")
                .help("Sync messages from the peers that never arrived (sequence gaps; since conntrackd started)")
                .callback(cb -> stats(s -> cb.call(s.lostMessages()))).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_receive_drops_total")
                .help("Sync datagrams the kernel dropped on this node because conntrackd did not read them in time (its "
                        + "socket's receive buffer was full; flows in them are missing here until the next bulk or resync)")
                .callback(cb -> {
                    SyncPlan sync = conntrackd.running();
                    if (sync != null) {
                        cb.call(udpDrops.of(sync.port()));
                    }
                }).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_table_sends_total")
                .help("Times this node sent its whole table to the peers (conntrackd -B; each peer writes all of it), by "
                        + "reason: takeover (became MASTER), handover (planned), peer_request (per-vip: a peer asked), "
                        + "restart (conntrackd started again on a MASTER); since the agent started")
                .labelNames("reason")
                .callback(cb -> {
                    if (conntrackd.running() != null) {
                        for (ConntrackdApplier.TableSend t : ConntrackdApplier.TableSend.values()) {
                            cb.call(conntrackd.tableSends(t), t.label());
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("vipkeeper_conntrack_sync_errors_total")
                .help("Socket errors of the sync channel, by direction (since conntrackd started)")
                .labelNames("direction")
                .callback(cb -> stats(s -> {
                    cb.call(s.sendErrors(), "send");
                    cb.call(s.recvErrors(), "recv");
                })).register(registry);
    }

    private interface Use {
        void accept(ConntrackdStats s);
    }

    private void stats(Use use) {
        ConntrackdStats s = read();
        if (s != null && answered) {
            use.accept(s);
        }
    }

    /** The last figures, read again when older than {@link #MAX_AGE}; null while sync is off. */
    synchronized ConntrackdStats read() {
        if (conntrackd.running() == null) {
            last = null;
            return null;
        }
        long now = nanos.getAsLong();
        if (last == null || now - readAt > MAX_AGE.toNanos()) {
            Exec.Result r = conntrackd.ctl(Duration.ofSeconds(2), "-s");
            answered = r.ok();
            last = answered ? ConntrackdStats.parse(r.stdout()) : ConntrackdStats.NONE;
            readAt = now;
        }
        return last;
    }
}
