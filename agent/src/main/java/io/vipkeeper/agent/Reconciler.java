package io.vipkeeper.agent;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.net.Cidr;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.plan.AgentPlan;
import io.vipkeeper.core.plan.AgentPlanner;
import io.vipkeeper.core.plan.Handover;
import io.vipkeeper.core.plan.HolderCandidates;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.viptable.VipTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
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

    /** This node started ({@code to} not null) or ended ({@code to} null) a planned handover, or its reason changed. */
    interface HandoverListener {
        void changed(Handover from, Handover to);
    }

    private final String nodeName;
    private final IpAddress nodeIp;
    private final AgentSettings settings;
    private final List<Applier> dataPlane;
    private final Applier keepalived;
    /** What keepalived may have put on the interface, for a restarted agent to remove (a killed one cannot). */
    private final BoundVipsFile vipsOnInterface;
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
    private final VipHolders holders;
    /** When each instance this node is MASTER of became MASTER (wall clock). */
    private final Map<String, Instant> masterSince = new ConcurrentHashMap<>();
    /** The last observation's Nodes and the placements in force: who else runs an instance (for {@link #holders}). */
    private volatile ClusterSnapshot observedNow;
    /** The last placement annotation that parsed; a refused one leaves this in force (sync thread only). */
    private PoolPlacements lastGoodPlacements = PoolPlacements.NONE;
    /** The nodes running each instance, computed once per Node list and placements (guarded by this). */
    private final Map<VrrpInstance, List<HolderCandidates.Candidate>> candidates = new HashMap<>();
    private ClusterSnapshot candidatesFrom;
    /** The planned handover in force (null: this node is eligible; sync thread only). */
    private Handover handover;
    private volatile HandoverListener handoverListener = (from, to) -> { };
    /** Takes the BGP VIPs out of the VRRP instances (identity without BGP). */
    private volatile UnaryOperator<AgentPlan> announceSplit = UnaryOperator.identity();

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
        this(nodeName, nodeIp, settings, dataPlane, keepalived, interfaceSubnets, events, registry, keepalivedRestarts,
                announcer, fifo, wallClockMillis, VipHolders.none());
    }

    /** As above; {@code holders} records on the Services who holds their VIPs while this node is MASTER. */
    Reconciler(String nodeName, IpAddress nodeIp, AgentSettings settings, List<Applier> dataPlane, Applier keepalived,
               Supplier<List<Cidr>> interfaceSubnets, Events events, PrometheusRegistry registry, DoubleSupplier keepalivedRestarts, Announcer announcer, Path fifo,
               LongSupplier wallClockMillis, VipHolders holders) {
        this.holders = holders;
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
        this.vipsOnInterface = new BoundVipsFile(Path.of(settings.runDir()), BoundVipsFile.KEEPALIVED);
    }

    /** With BGP: {@code split} leaves the BGP VIPs in no VRRP instance (see BgpSplit). */
    void announceSplit(UnaryOperator<AgentPlan> split) {
        this.announceSplit = split;
    }

    /** Told when this node starts or ends a planned handover (an Event on its Node). */
    void onHandover(HandoverListener listener) {
        this.handoverListener = listener;
    }

    VrrpStates vrrp() {
        return vrrp;
    }

    /** Plans from {@code observed} and puts the plan in force. */
    void sync(ClusterSnapshot observed) throws IOException {
        if (observed.placementRefusal() == null) {
            lastGoodPlacements = observed.placements();
        } else {
            // refused (reported with the plan): the VIPs stay where the last good placement put them
            observed = observed.withPlacements(lastGoodPlacements);
        }
        observedNow = observed;
        long start = System.nanoTime();
        AgentPlan next = announceSplit.apply(AgentPlanner.plan(observed, nodeName, nodeIp, interfaceSubnets.get(), settings));
        metrics.renderSeconds.observe((System.nanoTime() - start) / 1e9);
        report(observed, next);
        table.set(observed.vipTable().table());
        handover(next.handover());
        for (Applier a : dataPlane) {
            record(a.kind(), a.apply(next), next);
        }
        // during the reload either configuration's VIPs may be on the interface
        Set<IpAddress> mayHold = new HashSet<>();
        next.instances().forEach(i -> mayHold.addAll(i.vips()));
        List<VrrpInstance> inForce = instances.get();
        if (inForce != null) {
            inForce.forEach(i -> mayHold.addAll(i.vips()));
        }
        vipsOnInterface.write(mayHold);
        ApplyResult applied = keepalived.apply(next);
        record(keepalived.kind(), applied, next);
        if (!applied.rejected()) {
            instances.set(next.instances());
            Set<String> names = new HashSet<>();
            next.instances().forEach(i -> names.add(i.name()));
            vrrp.retain(names);
            masterSince.keySet().retainAll(names);
            updateStateGauges();
            for (VrrpInstance i : next.instances()) {
                if (vrrp.of(i.name()) == VrrpStates.State.MASTER) {
                    announcer.held(i.vips(), table.get()); // VIPs added to an instance that is already MASTER
                }
            }
            publishHolders();
        }
    }

    /**
     * A planned handover that starts: the peers get this node's conntrack table before the track file (an applier
     * after) puts the instances in FAULT. Logged, counted and told to the listener when it starts, ends or changes.
     */
    private void handover(Handover next) {
        Handover was = handover;
        if (next == was) {
            return;
        }
        if (was == null) {
            dataPlane.forEach(Applier::beforeHandover);
            LOG.info("handing this node's VIPs over and holding none: {}", next.describe());
        } else if (next == null) {
            LOG.info("this node is eligible for VIPs again ({} no more): BACKUP, the current MASTERs keep them", was.metricReason);
        } else {
            LOG.info("still handing this node's VIPs over, now because {}", next.describe());
        }
        for (Handover h : Handover.values()) {
            metrics.nodeExcluded.labelValues(h.metricReason).set(h == next ? 1 : 0);
        }
        handover = next;
        handoverListener.changed(was, next);
    }

    /** Tells {@link #holders} every VIP this node is MASTER of now, with its backups, since when and the wait. */
    private synchronized void publishHolders() {
        List<VrrpInstance> in = instances.get();
        ClusterSnapshot seen = observedNow;
        if (in == null || seen == null) {
            return;
        }
        if (candidatesFrom == null || !candidatesFrom.nodes().equals(seen.nodes())
                || !candidatesFrom.placements().equals(seen.placements())) {
            candidates.clear();
            candidatesFrom = seen;
        } else {
            candidates.keySet().retainAll(new HashSet<>(in)); // instances that changed or went: their entries go
        }
        Map<IpAddress, VipHolders.Holder> held = new TreeMap<>();
        for (VrrpInstance i : in) {
            if (vrrp.of(i.name()) != VrrpStates.State.MASTER) {
                continue;
            }
            List<HolderCandidates.Candidate> backups = candidates.computeIfAbsent(i, k -> HolderCandidates.of(k, settings,
                    seen.nodes(), seen.placements(), nodeName, nodeIp)).stream().filter(c -> !c.node().equals(nodeName)).toList();
            Instant since = masterSince.computeIfAbsent(i.name(), k -> Instant.ofEpochMilli(wallClockMillis.getAsLong()));
            double wait = HolderCandidates.masterDownSeconds(settings, i.priority());
            for (IpAddress vip : i.vips()) {
                held.put(vip, new VipHolders.Holder(vip, nodeName, i.priority(), backups, since, wait));
            }
        }
        holders.update(held, table.get());
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
                case TRACK_FILES, BIRD, CONNTRACKD -> { }
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
        if (state == VrrpStates.State.MASTER) {
            masterSince.put(instance, Instant.ofEpochMilli(wallClockMillis.getAsLong()));
        } else {
            masterSince.remove(instance);
        }
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
        publishHolders();
    }

    private void updateStateGauges() {
        List<VrrpInstance> in = instances.get();
        if (in == null) {
            return;
        }
        metrics.vrrpState.clear();
        // only the MASTER has a holder series: a node that lost the VIP drops its own (no stale 1 after a failover)
        metrics.vipHolder.clear();
        for (VrrpInstance i : in) {
            int v = switch (vrrp.of(i.name())) {
                case BACKUP -> 1;
                case MASTER -> 2;
                case FAULT -> 3;
                default -> 0;
            };
            for (IpAddress vip : i.vips()) {
                metrics.vrrpState.labelValues(vip.toString(), i.name()).set(v);
                if (v == 2) {
                    metrics.vipHolder.labelValues(vip.toString(), nodeName).set(1);
                }
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
