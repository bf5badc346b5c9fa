package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.render.AgentPlan;
import io.vipkeeper.core.render.HaproxyConfig;
import io.vipkeeper.core.render.KeepalivedConfig;
import io.vipkeeper.core.render.NftablesRuleset;
import io.vipkeeper.core.render.VrrpInstance;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import io.vipkeeper.platform.AnnotationPatch;
import io.vipkeeper.platform.EventRecorder;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.RepeatedWarning;
import io.vipkeeper.platform.TranslatingStore;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.platform.process.Sleep;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: watches the VIP ConfigMap, Services, EndpointSlices and Nodes, and keeps keepalived (and the
 * nftables data plane) in line with them. Observe, then act: every watch event only asks for a sync; a debounce
 * (quiet period, bounded by a maximum delay) turns a burst of changes into one plan, one render and at most one
 * reload. When the API server is unreachable nothing is synced and the last configuration keeps serving.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    static final String ANNOUNCING_NODE = "vipkeeper.io/announcing-node";
    /** Quiet this long after a sync, the agent runs one full collection so the JVM can return the heap it grew. */
    private static final Duration IDLE_BEFORE_COMPACT = Duration.ofSeconds(20);

    /** How this agent runs. {@code nodeIp} and {@code watchNamespace} may be null. */
    public record Options(ServiceRef configMap, String nodeName, IpAddress nodeIp, String watchNamespace, AgentSettings settings,
                          String keepalivedBin, boolean releaseVips, Duration debounce, Duration maxDelay) {
    }

    private final KubernetesClient client;
    private final Options o;
    private final HostCommands host;
    private final Path runDir;
    private final AgentMetrics metrics;
    private final EventRecorder events;
    private final CheckedDaemon keepalived;
    private final CheckedDaemon haproxy;
    private final InterfaceAddresses iface;
    private final VrrpStates vrrp;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final RepeatedWarning inputProblem = new RepeatedWarning(LOG::warn, Duration.ofSeconds(30));
    private SharedIndexInformer<ConfigMap> configMapInformer;
    // the agent keeps typed records, not the API's objects: see TranslatingStore
    // and syncs only when a translation changed: the controller's status writes, this agent's own announcing-node
    // annotations and Node heartbeats do not make a sync
    private final TranslatingStore<Service, ServiceSpec> services =
            new TranslatingStore<>(KubeTranslator::service, Service::new, this::requestSync);
    private final TranslatingStore<EndpointSlice, EndpointGroup> endpointSlices =
            new TranslatingStore<>(KubeTranslator::endpointSlice, EndpointSlice::new, this::requestSync);
    private final TranslatingStore<Node, NodeInfo> nodes = new TranslatingStore<>(KubeTranslator::node, Node::new, this::requestSync);
    private final Object lock = new Object();
    private long firstPending;
    private long lastEvent;
    private long lastSync;
    private boolean compactDue;
    private volatile boolean running = true;
    private Thread syncer;
    private volatile long appliedAt;
    private Digest nftApplied;
    private final Map<Path, String> trackFiles = new HashMap<>();
    /** A Service behind a VIP this node holds, recorded on the Service as announced by this node. */
    private record Announcement(ServiceRef service, IpAddress vip) {
    }

    /** Announcements made or queued (cleared when the instance stops being MASTER). */
    private final Set<Announcement> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Writes announcements one at a time in the background: API round trips never hold up a sync or a VRRP event. */
    private final java.util.concurrent.ExecutorService announcer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "announcer");
        t.setDaemon(true);
        return t;
    });
    /** The VRRP instances in force and the VIP table they came from (read by VRRP callbacks and health checks). */
    private final AtomicReference<List<VrrpInstance>> instances = new AtomicReference<>();
    private final AtomicReference<VipTable> table = new AtomicReference<>(VipTable.EMPTY);

    public NodeAgent(KubernetesClient client, Options options, HostCommands host, PrometheusRegistry registry) {
        this.client = client;
        this.o = options;
        this.host = host;
        this.runDir = Path.of(options.settings().runDir());
        this.keepalived = CheckedDaemon.keepalived(host, options.keepalivedBin(), runDir,
                options.settings().dataplane() != Dataplane.IPVS, options.releaseVips());
        this.haproxy = options.settings().dataplane() == Dataplane.HAPROXY ? CheckedDaemon.haproxy(host, "haproxy", runDir) : null;
        this.metrics = new AgentMetrics(registry, keepalived::restarts,
                () -> appliedAt == 0 ? 0 : (System.currentTimeMillis() - appliedAt) / 1000.0);
        this.events = new EventRecorder(client, "vipkeeper-agent", options.nodeName());
        this.iface = new InterfaceAddresses(host, options.settings().iface());
        this.vrrp = new VrrpStates(Path.of(options.settings().notifyFifo()), this::onVrrpChange);
    }

    public void start() throws IOException {
        Files.createDirectories(runDir.resolve("local"));
        releaseStaleVips();
        vrrp.start();
        String cmNs = o.configMap().namespace();
        configMapInformer = Informers.start(client.configMaps().inNamespace(cmNs).withName(o.configMap().name()).runnableInformer(0),
                trigger(), "VIP ConfigMap");
        informers.add(configMapInformer);
        String ns = o.watchNamespace();
        var svcs = ns == null ? client.services().inAnyNamespace() : client.services().inNamespace(ns);
        var slices = ns == null ? client.discovery().v1().endpointSlices().inAnyNamespace()
                : client.discovery().v1().endpointSlices().inNamespace(ns);
        informers.add(Informers.start(svcs.withLimit(Informers.PAGE).runnableInformer(0), services, "Services"));
        informers.add(Informers.start(slices.withLimit(Informers.PAGE).runnableInformer(0), endpointSlices, "EndpointSlices"));
        informers.add(Informers.start(client.nodes().withLimit(Informers.PAGE).runnableInformer(0), nodes, "Nodes"));
        syncer = new Thread(this::syncLoop, "agent-sync");
        syncer.start();
        requestSync();
    }

    /** At start this node holds nothing: addresses of the VIP table left on the interface by a crashed run go (aledbf #65). */
    private void releaseStaleVips() {
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(o.configMap().namespace()).withName(o.configMap().name()).get();
        } catch (KubernetesClientException e) {
            LOG.warn("cannot read the VIP ConfigMap at start ({}); stale VIPs, if any, are not cleaned", e.getMessage());
            return;
        }
        if (cm == null) {
            return;
        }
        Set<IpAddress> vips = VipConfigMapCodec.decode(cm.getData()).table().entries().keySet();
        iface.list().ifPresent(addresses -> {
            for (IpAddress a : addresses) {
                if (vips.contains(a) && !a.equals(o.nodeIp())) {
                    LOG.info("removing stale VIP {} left on {} by an earlier run", a, o.settings().iface());
                    iface.remove(a);
                }
            }
        });
    }

    private <T> ResourceEventHandler<T> trigger() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                requestSync();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (oldObj != newObj) { // informer resyncs replay (x, x)
                    requestSync();
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                requestSync();
            }
        };
    }

    void requestSync() {
        synchronized (lock) {
            long now = System.nanoTime();
            if (firstPending == 0) {
                firstPending = now;
            }
            lastEvent = now;
            lock.notifyAll();
        }
    }

    private void syncLoop() {
        while (running) {
            try {
                boolean compact = false;
                synchronized (lock) {
                    while (running && firstPending == 0 && !compact) {
                        if (!compactDue) {
                            lock.wait();
                            continue;
                        }
                        long idleFrom = System.nanoTime();
                        lock.wait(IDLE_BEFORE_COMPACT.toMillis());
                        compact = firstPending == 0 && System.nanoTime() - idleFrom >= IDLE_BEFORE_COMPACT.toNanos();
                    }
                }
                if (compact) {
                    compactDue = false;
                    // A sync of thousands of Services needs tens of MB for a moment; the serial collector gives
                    // memory back only after a full collection, which an idle heap never gets. Once, when idle
                    // (with the launcher's -XX:-ShrinkHeapInSteps that one collection shrinks the heap fully).
                    System.gc();
                    continue;
                }
                synchronized (lock) {
                    // wait for a quiet period, but never longer than maxDelay after the first change; and apply at
                    // most once per maxDelay, so a burst of changes of T seconds makes at most T/maxDelay + 1 reloads
                    while (running) {
                        long now = System.nanoTime();
                        long due = Math.min(lastEvent + o.debounce().toNanos(), firstPending + o.maxDelay().toNanos());
                        if (lastSync != 0) {
                            due = Math.max(due, lastSync + o.maxDelay().toNanos());
                        }
                        if (now >= due) {
                            break;
                        }
                        lock.wait(Math.max(1, (due - now) / 1_000_000));
                    }
                    firstPending = 0;
                }
                if (running) {
                    lastSync = System.nanoTime();
                    sync();
                    inputProblem.clear();
                    compactDue = true;
                }
            } catch (InterruptedException e) {
                return;
            } catch (InvalidInputException e) {
                // input this node cannot act on yet (its Node not listed, no address): one line, at most every 30 s
                inputProblem.warn("sync failed, retrying every second: " + String.join("; ", e.getMessage().lines().toList()));
                Sleep.millis(1000);
                requestSync();
            } catch (RuntimeException | IOException e) {
                LOG.error("sync failed; retrying in a second", e);
                Sleep.millis(1000);
                requestSync();
            }
        }
    }

    private void sync() throws IOException {
        if (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
            Sleep.millis(100);
            requestSync();
            return;
        }
        long start = System.nanoTime();
        ConfigMap cm = configMapInformer.getStore().getByKey(o.configMap().namespace() + "/" + o.configMap().name());
        if (cm == null) {
            // no ConfigMap (yet): an empty VIP table, so keepalived runs no instance and holds nothing
            cm = new ConfigMapBuilder().withNewMetadata().withNamespace(o.configMap().namespace()).withName(o.configMap().name())
                    .endMetadata().build();
        }
        var svcs = services.snapshot();
        var slices = endpointSlices.snapshot();
        var nodeInfos = nodes.snapshot();
        List<String> errors = new ArrayList<>(svcs.errors());
        errors.addAll(slices.errors());
        errors.addAll(nodeInfos.errors());
        AgentPipeline.Planned planned = AgentPipeline.plan(new AgentPipeline.Typed(KubeTranslator.configMapData(cm), svcs.values(),
                slices.values(), nodeInfos.values(), errors), o.nodeName(), o.nodeIp(), o.settings());
        AgentPlan next = planned.plan();
        String keepalivedConf = KeepalivedConfig.render(next);
        String nft = o.settings().dataplane() == Dataplane.NFTABLES ? NftablesRuleset.render(next) : null;
        metrics.renderSeconds.observe((System.nanoTime() - start) / 1e9);
        report(cm, planned, next);
        table.set(planned.table());

        Digest nftDigest = nft == null ? null : Digest.of(nft);
        if (nftDigest != null && !nftDigest.equals(nftApplied)) {
            // the data plane first, so a node that becomes MASTER already forwards
            Exec.Result r = host.run(nft, Duration.ofSeconds(15), "nft", "-f", "-");
            if (r.ok()) {
                nftApplied = nftDigest;
                metrics.nftApplies.labelValues("ok").inc();
            } else {
                metrics.nftApplies.labelValues("rejected").inc();
                LOG.error("nft refused the ruleset; the previous one stays: {}", r.message());
                events.warning(cm, "DataplaneRejected", "nft refused the ruleset on node " + o.nodeName() + ": " + firstLine(r.message()));
            }
        }
        if (haproxy != null) {
            // haproxy first: it binds the VIPs transparently, so it is ready before keepalived moves one here
            CheckedDaemon.Applied h = haproxy.apply(HaproxyConfig.render(next));
            if (h.outcome() == CheckedDaemon.Outcome.REJECTED) {
                metrics.reloads.labelValues("rejected").inc();
                LOG.error("haproxy -c refused the new configuration; the last good one keeps running: {}", h.error());
                events.warning(cm, "ConfigRejected", "haproxy refused the configuration on node " + o.nodeName()
                        + "; the last good one keeps running: " + firstLine(h.error()));
            }
        }
        writeTrackFiles(next);
        CheckedDaemon.Applied applied = keepalived.apply(keepalivedConf);
        switch (applied.outcome()) {
            case UNCHANGED -> { }
            case STARTED, RELOADED -> {
                metrics.reloads.labelValues("ok").inc();
                appliedAt = System.currentTimeMillis();
                LOG.info("keepalived {} with {} VIP(s) in {} instance(s)", applied.outcome() == CheckedDaemon.Outcome.STARTED
                        ? "started" : "reloaded", next.vips().size(), next.instances().size());
            }
            case REJECTED -> {
                metrics.reloads.labelValues("rejected").inc();
                LOG.error("keepalived -t refused the new configuration; the last good one keeps running: {}", applied.error());
                events.warning(cm, "ConfigRejected", "keepalived refused the configuration on node " + o.nodeName()
                        + "; the last good one keeps running: " + firstLine(applied.error()));
            }
        }
        if (applied.outcome() != CheckedDaemon.Outcome.REJECTED) {
            instances.set(next.instances());
            Set<String> names = new HashSet<>();
            next.instances().forEach(i -> names.add(i.name()));
            vrrp.retain(names);
            updateStateGauges();
            for (VrrpInstance i : next.instances()) {
                if (vrrp.of(i.name()) == VrrpStates.State.MASTER) {
                    announceAll(i); // VIPs added to an instance that is already MASTER
                }
            }
        }
    }

    /** Refused ConfigMap entries and objects: a Warning event on the ConfigMap, a log line and a metric, each. */
    private void report(ConfigMap cm, AgentPipeline.Planned planned, AgentPlan next) {
        int rejected = planned.objectErrors().size();
        for (String e : planned.objectErrors()) {
            LOG.warn("object left out: {}", e);
            events.warning(cm, "InvalidObject", e);
        }
        for (Report r : next.reports()) {
            if (r.kind() == Report.Kind.ENTRY_REFUSED) {
                rejected++;
                LOG.warn("VIP ConfigMap entry refused: {}", r);
                events.warning(cm, "InvalidEntry", r.toString());
            } else {
                LOG.debug("{}", r);
            }
        }
        if (rejected != (int) metrics.rejectedEntriesNow.get()) {
            metrics.rejectedEntries.inc(Math.max(0, rejected - (int) metrics.rejectedEntriesNow.get()));
        }
        metrics.rejectedEntriesNow.set(rejected);
    }

    /** externalTrafficPolicy Local: 0 makes this node eligible for the VIP, -254 puts the instance in FAULT. */
    private void writeTrackFiles(AgentPlan next) throws IOException {
        Map<IpAddress, ResolvedVip> vips = new HashMap<>();
        next.vips().forEach(v -> vips.put(v.vip(), v));
        for (VrrpInstance i : next.instances()) {
            if (i.trackFilePath() == null) {
                continue;
            }
            boolean local = i.vips().stream().map(vips::get).anyMatch(v -> v != null && v.ports().stream().anyMatch(p -> !p.backends().isEmpty()));
            String value = local ? "0\n" : "-254\n";
            Path path = Path.of(i.trackFilePath());
            if (!value.equals(trackFiles.get(path))) {
                Path tmp = path.resolveSibling(path.getFileName() + ".new");
                Files.writeString(tmp, value, StandardCharsets.UTF_8);
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                trackFiles.put(path, value);
            }
        }
    }

    private void onVrrpChange(String instance, VrrpStates.State state) {
        metrics.transitions.labelValues(instance, state.name()).inc();
        updateStateGauges();
        List<VrrpInstance> in = instances.get();
        if (in == null) {
            return;
        }
        for (VrrpInstance i : in) {
            if (i.name().equals(instance)) {
                if (state == VrrpStates.State.MASTER) {
                    announceAll(i);
                } else {
                    Set<IpAddress> released = Set.copyOf(i.vips());
                    announced.removeIf(a -> released.contains(a.vip()));
                }
            }
        }
    }

    /** Announces every Service behind the instance's VIPs, once per (Service, VIP) while this node holds it. */
    private void announceAll(VrrpInstance i) {
        for (IpAddress vip : i.vips()) {
            VipEntry e = table.get().entries().get(vip);
            if (e == null) {
                continue;
            }
            for (VipTarget t : e.targets()) {
                Announcement a = new Announcement(t.service(), vip);
                if (announced.add(a)) {
                    announcer.execute(() -> announce(a));
                }
            }
        }
    }

    /** Records on the Service which node holds its VIP, so {@code kubectl describe svc} shows it. */
    private void announce(Announcement a) {
        if (!announced.contains(a)) {
            return; // no longer MASTER for it since it was queued
        }
        ServiceRef ref = a.service();
        IpAddress vip = a.vip();
        try {
            Service s = client.services().inNamespace(ref.namespace()).withName(ref.name()).get();
            if (s == null) {
                return;
            }
            String patch = AnnotationPatch.set(s.getMetadata().getAnnotations(), ANNOUNCING_NODE, o.nodeName());
            if (patch != null) {
                client.services().inNamespace(ref.namespace()).withName(ref.name()).patch(PatchContext.of(PatchType.JSON), patch);
            }
            events.normal(s, "VIPAnnounced", "node " + o.nodeName() + " holds " + vip + " (VRRP MASTER)");
        } catch (KubernetesClientException e) {
            LOG.warn("could not record the announcing node on {}: {}", ref, e.getMessage());
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

    /** Empty when healthy; else why not (served on /healthz): keepalived down, or the interface disagrees with the state. */
    public Optional<String> health() {
        List<VrrpInstance> in = instances.get();
        if (in == null) {
            return Optional.empty();
        }
        if (!in.isEmpty() && !keepalived.alive()) {
            return Optional.of("keepalived is not running");
        }
        if (haproxy != null && !haproxy.alive()) {
            return Optional.of("haproxy is not running");
        }
        Optional<List<IpAddress>> on = iface.list();
        if (on.isEmpty()) {
            return Optional.of("cannot read the addresses of " + o.settings().iface());
        }
        for (VrrpInstance i : in) {
            VrrpStates.State s = vrrp.of(i.name());
            for (IpAddress vip : i.vips()) {
                boolean held = on.get().contains(vip);
                if (s == VrrpStates.State.MASTER && !held) {
                    return Optional.of("instance " + i.name() + " is MASTER but " + vip + " is not on " + o.settings().iface());
                }
                if ((s == VrrpStates.State.BACKUP || s == VrrpStates.State.FAULT) && held) {
                    return Optional.of("instance " + i.name() + " is " + s + " but " + vip + " is on " + o.settings().iface());
                }
            }
        }
        return Optional.empty();
    }

    /** Ready once the caches are synced and a configuration is applied. */
    public Optional<String> readiness() {
        if (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
            return Optional.of("caches are not synced yet");
        }
        return instances.get() == null ? Optional.of("no configuration applied yet") : health();
    }

    /** The VRRP state of each instance (for status output and tests). */
    public Map<String, VrrpStates.State> states() {
        return vrrp.snapshot();
    }

    CheckedDaemon keepalived() {
        return keepalived;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Stops keepalived (it drops its VIPs), removes any VIP still on the interface and the nftables table. */
    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        if (syncer != null) {
            syncer.interrupt();
            try {
                syncer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        informers.forEach(SharedIndexInformer::close);
        announcer.shutdownNow();
        keepalived.close();
        if (haproxy != null) {
            haproxy.close();
        }
        vrrp.allStopped();
        if (o.releaseVips()) {
            Set<IpAddress> vips = table.get().entries().keySet();
            iface.list().ifPresent(addresses -> addresses.stream().filter(vips::contains).forEach(iface::remove));
        }
        if (nftApplied != null) {
            host.run(Duration.ofSeconds(10), "nft", "delete", "table", NftablesRuleset.TABLE.split(" ")[0], NftablesRuleset.TABLE.split(" ")[1]);
        }
        vrrp.close();
        events.close();
    }
}
