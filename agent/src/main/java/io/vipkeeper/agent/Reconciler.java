package io.vipkeeper.agent;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.viptable.VipTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync: what the agent observed → a plan (core) → the appliers, in order (data plane first, keepalived last) →
 * what it reports: Warning events on the VIP ConfigMap for refused entries, refused objects and refused
 * configurations, metrics, and announcements when this node is MASTER. It owns the VRRP state the instances in force
 * report. No API client and no host tool here: those are behind {@link Applier}, {@link Events} and
 * {@link Announcer}, so the agent's logic is tested with fakes.
 */
final class Reconciler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    /** Warning events on the VIP ConfigMap. */
    interface Events {
        void warning(String reason, String message);
    }

    private final String nodeName;
    private final IpAddress nodeIp;
    private final AgentSettings settings;
    private final List<Applier> dataPlane;
    private final Applier keepalived;
    private final Supplier<List<Cidr>> interfaceSubnets;
    private final Events events;
    private final AgentMetrics metrics;
    private final Announcer announcer;
    private final LongSupplier wallClockMillis;
    private final VrrpStates vrrp;
    /** The VRRP instances in force (null until keepalived took a configuration) and the VIP table they came from. */
    private final AtomicReference<List<VrrpInstance>> instances = new AtomicReference<>();
    private final AtomicReference<VipTable> table = new AtomicReference<>(VipTable.EMPTY);
    private volatile long appliedAt;

    /**
     * @param nodeIp    {@code --node-ip}, or null
     * @param dataPlane the appliers run before keepalived, in order
     * @param interfaceSubnets the VRRP interface's IPv4 subnets now (their network and broadcast addresses are no VIPs)
     * @param registry  where the agent's metrics are registered
     * @param fifo      where keepalived reports VRRP states (read once {@link #vrrp()} is started)
     */
    Reconciler(String nodeName, IpAddress nodeIp, AgentSettings settings, List<Applier> dataPlane, Applier keepalived,
               Supplier<List<Cidr>> interfaceSubnets, Events events, PrometheusRegistry registry, DoubleSupplier keepalivedRestarts, Announcer announcer, Path fifo,
               LongSupplier wallClockMillis) {
        this.nodeName = nodeName;
        this.nodeIp = nodeIp;
        this.settings = settings;
        this.dataPlane = List.copyOf(dataPlane);
        this.keepalived = keepalived;
        this.interfaceSubnets = interfaceSubnets;
        this.events = events;
        this.metrics = new AgentMetrics(registry, keepalivedRestarts, this::configAgeSeconds);
        this.announcer = announcer;
        this.wallClockMillis = wallClockMillis;
        this.vrrp = new VrrpStates(fifo, this::onVrrpChange);
    }

    VrrpStates vrrp() {
        return vrrp;
    }

    /** Plans from {@code observed} and puts the plan in force. */
    void sync(ClusterSnapshot observed) throws IOException {
        long start = System.nanoTime();
        AgentPlan next = AgentPlanner.plan(observed, nodeName, nodeIp, interfaceSubnets.get(), settings);
        metrics.renderSeconds.observe((System.nanoTime() - start) / 1e9);
        report(observed, next);
        table.set(observed.vipTable().table());
        for (Applier a : dataPlane) {
            record(a.kind(), a.apply(next), next);
        }
        ApplyResult applied = keepalived.apply(next);
        record(keepalived.kind(), applied, next);
        if (!applied.rejected()) {
            instances.set(next.instances());
            Set<String> names = new HashSet<>();
            next.instances().forEach(i -> names.add(i.name()));
            vrrp.retain(names);
            updateStateGauges();
            for (VrrpInstance i : next.instances()) {
                if (vrrp.of(i.name()) == VrrpStates.State.MASTER) {
                    announcer.held(i.vips(), table.get()); // VIPs added to an instance that is already MASTER
                }
            }
        }
    }

    /** Metrics, a log line and, when the tool refused, a Warning event naming it. */
    private void record(Applier.Kind kind, ApplyResult r, AgentPlan plan) {
        String result = r.rejected() ? "rejected" : r.changed() ? "ok" : null;
        if (result != null) {
            // haproxy's reloads were never counted as ok: the keepalived reload counter means keepalived's
            switch (kind) {
                case NFTABLES -> metrics.nftApplies.labelValues(result).inc();
                case KEEPALIVED -> metrics.reloads.labelValues(result).inc();
                case HAPROXY -> {
                    if (r.rejected()) {
                        metrics.reloads.labelValues(result).inc();
                    }
                }
                case TRACK_FILES, CONNTRACKD -> { }
            }
        }
        if (kind == Applier.Kind.KEEPALIVED && r.changed()) {
            appliedAt = wallClockMillis.getAsLong();
            LOG.info("keepalived {} with {} VIP(s) in {} instance(s)", r.outcome() == ApplyResult.Outcome.STARTED ? "started" : "reloaded",
                    plan.vips().size(), plan.instances().size());
        }
        if (r.rejected()) {
            LOG.error("{} refused {}; the last good one stays in force: {}", kind.tool, kind.what, r.error());
            events.warning(kind.rejectedReason, kind.tool + " refused " + kind.what + " on node " + nodeName
                    + "; the last good one stays in force: " + firstLine(r.error()));
        }
    }

    /** Refused entries and objects: a Warning event on the VIP ConfigMap, a log line and a metric, each. */
    private void report(ClusterSnapshot observed, AgentPlan next) {
        int refused = observed.objectErrors().size();
        for (String e : observed.objectErrors()) {
            LOG.warn("object left out: {}", e);
            events.warning("InvalidObject", e);
        }
        for (Report r : next.reports()) {
            if (r.kind() == Report.Kind.ENTRY_REFUSED) {
                refused++;
                LOG.warn("VIP ConfigMap entry refused: {}", r);
                events.warning("InvalidEntry", r.toString());
            } else {
                LOG.debug("{}", r);
            }
        }
        int before = (int) metrics.rejectedEntriesNow.get();
        if (refused > before) {
            metrics.rejectedEntries.inc(refused - before);
        }
        metrics.rejectedEntriesNow.set(refused);
    }

    private void onVrrpChange(String instance, VrrpStates.State state) {
        metrics.transitions.labelValues(instance, state.name()).inc();
        updateStateGauges();
        dataPlane.forEach(a -> a.vrrpChanged(instance, state)); // conntrackd's resync on a new state
        List<VrrpInstance> in = instances.get();
        if (in == null) {
            return;
        }
        for (VrrpInstance i : in) {
            if (i.name().equals(instance)) {
                if (state == VrrpStates.State.MASTER) {
                    announcer.held(i.vips(), table.get());
                } else {
                    announcer.released(i.vips());
                }
            }
        }
    }

    private void updateStateGauges() {
        List<VrrpInstance> in = instances.get();
        if (in == null) {
            return;
        }
        metrics.vrrpState.clear();
        for (VrrpInstance i : in) {
            int v = switch (vrrp.of(i.name())) {
                case BACKUP -> 1;
                case MASTER -> 2;
                case FAULT -> 3;
                default -> 0;
            };
            for (IpAddress vip : i.vips()) {
                metrics.vrrpState.labelValues(vip.toString(), i.name()).set(v);
            }
        }
    }

    /** The VRRP instances keepalived runs, or null before it took a configuration. */
    List<VrrpInstance> instances() {
        return instances.get();
    }

    /** The VIP table of the last sync. */
    VipTable table() {
        return table.get();
    }

    /** Seconds since keepalived took the configuration in force (0 before). */
    double configAgeSeconds() {
        long at = appliedAt;
        return at == 0 ? 0 : (wallClockMillis.getAsLong() - at) / 1000.0;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Stops keepalived (it drops its VIPs) and marks every instance stopped; then undoes the data plane, last first. */
    @Override
    public void close() {
        dataPlane.forEach(Applier::beforeVrrpStop); // e.g. conntrackd sends its table before the peers take over
        keepalived.close();
        vrrp.allStopped();
        List<Applier> reversed = new ArrayList<>(dataPlane);
        Collections.reverse(reversed);
        reversed.forEach(Applier::close);
        vrrp.close();
    }
}
