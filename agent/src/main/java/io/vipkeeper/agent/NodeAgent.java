package io.vipkeeper.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.ClusterSnapshot;
import io.vipkeeper.core.agent.Dataplane;
import io.vipkeeper.core.agent.EndpointGroup;
import io.vipkeeper.core.agent.NodeInfo;
import io.vipkeeper.core.agent.ServiceSpec;
import io.vipkeeper.core.bgp.BgpPeer;
import io.vipkeeper.core.names.ConfigMapRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.Handover;
import io.vipkeeper.core.plan.VrrpInstance;
import io.vipkeeper.core.pool.Announce;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.platform.EventRecorder;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.RepeatedWarning;
import io.vipkeeper.platform.TranslatingStore;
import io.vipkeeper.platform.process.Sleep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent, wired: informers keep typed views of the VIP ConfigMap, Services, EndpointSlices and Nodes
 * (observe); each change asks the {@link Debouncer} for a sync; the sync thread hands a {@link ClusterSnapshot} to
 * the {@link Reconciler} (plan, apply, report). When the API server is unreachable nothing is synced and the last
 * configuration keeps serving. Also: stale VIPs at start, health, and the release of everything on close.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    static final String ANNOUNCING_NODE = KubeAnnouncements.ANNOUNCING_NODE;
    /** Quiet this long after a sync, the agent runs one full collection so the JVM can return the heap it grew. */
    private static final Duration IDLE_BEFORE_COMPACT = Duration.ofSeconds(20);
    /** Passes writing vip-holders annotations are at least this far apart (bounds the writes of flapping VIPs). */
    private static final Duration HOLDERS_MIN_GAP = Duration.ofSeconds(1);

    /** How this agent runs. {@code nodeIp} and {@code watchNamespace} may be null. */
    public record Options(ConfigMapRef configMap, String nodeName, IpAddress nodeIp, String watchNamespace, AgentSettings settings,
                          String keepalivedBin, boolean releaseVips, Duration debounce, Duration maxDelay) {
    }

    /**
     * The BGP side: the mode of VIPs no pool placement names ({@code --announce}), the peers from flags, the router
     * id ({@code --bgp-router-id}, null: this node's IPv4 address), BIRD's binary and the drain time on stop.
     */
    public record BgpOptions(Announce defaultMode, List<BgpPeer> peers, IpAddress routerId, String birdBin, Duration drain) {
        public static final BgpOptions NONE = new BgpOptions(Announce.VRRP, List.of(), null, "bird", Duration.ofSeconds(1));

        public BgpOptions {
            peers = List.copyOf(peers);
        }
    }

    private final KubernetesClient client;
    private final Options options;
    private final Path runDir;
    private final EventRecorder events;
    private final CheckedDaemon keepalived;
    private final CheckedDaemon haproxy;
    /** conntrack sync (nftables data plane only), or null. */
    private final ConntrackdApplier conntrackd;
    private final InterfaceAddresses iface;
    private final Debouncer debouncer;
    /** Input this node cannot act on yet (its Node not listed, no address): one line, at most every 30 s. */
    private final RepeatedWarning inputProblem = new RepeatedWarning(LOG::warn, Duration.ofSeconds(30));
    private final Reconciler reconciler;
    private final BgpContext bgp;
    private final BirdApplier bird;
    /** Records this node on the Services of the BGP VIPs it announces (vip-holders' announcers). */
    private final VipAnnouncers announcers;
    private final BgpPeerObjects bgpPeers;
    private final VrrpScheduler vrrpScheduler;
    /** Writes announcements one at a time in the background. */
    private final ExecutorService announcements = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "announcer");
        t.setDaemon(true);
        return t;
    });
    /** By what they watch ("Services"...). */
    private final Map<String, SharedIndexInformer<?>> informers = new LinkedHashMap<>();
    // the agent keeps typed records, not the API's objects (see TranslatingStore), and syncs only when a translation
    // changed: the controller's status writes, this agent's own announcing-node annotations and Node heartbeats do
    // not make a sync
    private final TranslatingStore<ConfigMap, VipConfigMap> configMap;
    private final TranslatingStore<Service, ServiceSpec> services;
    private final TranslatingStore<EndpointSlice, EndpointGroup> endpointSlices;
    private final TranslatingStore<Node, NodeInfo> nodes;
    /** The uid of the VIP ConfigMap of the last sync (its Events carry it). */
    private volatile String configMapUid;
    private Thread syncer;

    public NodeAgent(KubernetesClient client, Options options, HostCommands host, PrometheusRegistry registry) {
        this(client, options, BgpOptions.NONE, host, registry);
    }

    public NodeAgent(KubernetesClient client, Options options, BgpOptions bgpOptions, HostCommands host, PrometheusRegistry registry) {
        this.client = client;
        this.options = options;
        AgentSettings settings = options.settings();
        this.runDir = Path.of(settings.runDir());
        this.debouncer = new Debouncer(options.debounce(), options.maxDelay(), System::nanoTime);
        this.configMap = new TranslatingStore<>(KubeTranslator::vipConfigMap, ConfigMap::new, debouncer::request);
        this.services = new TranslatingStore<>(KubeTranslator::service, Service::new, debouncer::request);
        this.endpointSlices = new TranslatingStore<>(KubeTranslator::endpointSlice, EndpointSlice::new, debouncer::request);
        this.nodes = new TranslatingStore<>(KubeTranslator::node, Node::new, debouncer::request);
        this.keepalived = CheckedDaemon.keepalived(host, options.keepalivedBin(), runDir, settings.dataplane() != Dataplane.IPVS,
                options.releaseVips());
        this.haproxy = settings.dataplane() == Dataplane.HAPROXY ? CheckedDaemon.haproxy(host, "haproxy", runDir) : null;
        this.events = new EventRecorder(client, "vipkeeper-agent", options.nodeName());
        this.iface = new InterfaceAddresses(host, settings.iface());
        // the data plane first (nft, or haproxy, which binds the VIPs transparently), so a node that becomes MASTER
        // already forwards; the track files before keepalived reads them
        List<Applier> dataPlane = new ArrayList<>();
        if (settings.dataplane() == Dataplane.NFTABLES) {
            dataPlane.add(new NftApplier(host));
            // after the ruleset (it loads conntrack, whose sysctl conntrackd's applier sets); idle when no sync is planned
            this.conntrackd = new ConntrackdApplier(host, "conntrackd", "sysctl");
            new ConntrackMetrics(registry, conntrackd, new UdpSocketDrops(Path.of("/proc/net")), System::nanoTime);
            dataPlane.add(conntrackd);
        } else {
            this.conntrackd = null;
        }
        if (haproxy != null) {
            dataPlane.add(haproxy);
        }
        dataPlane.add(new TrackFiles());
        // BGP after the data plane (a VIP is announced only once it is forwarded), before keepalived
        this.bgp = new BgpContext(options.nodeName(), bgpOptions.defaultMode(), bgpOptions.peers());
        this.bird = new BirdApplier(host, new BirdApplier.Spec(bgpOptions.birdBin(), runDir, bgpOptions.routerId(), bgpOptions.drain()),
                bgp, registry, this::sessionChanged);
        dataPlane.add(bird);
        this.reconciler = new Reconciler(options.nodeName(), options.nodeIp(), settings, dataPlane, keepalived, iface::subnets,
                (reason, message) -> events.warning(configMapReference(), reason, message), registry, keepalived::restarts,
                new Announcer(new KubeAnnouncements(client, events, options.nodeName()), announcements),
                Path.of(settings.notifyFifo()), System::currentTimeMillis,
                new VipHolders(new KubeVipHolders(client), announcements, HOLDERS_MIN_GAP, System::nanoTime));
        reconciler.announceSplit(bgp::vrrpPlan);
        this.announcers = new VipAnnouncers(new KubeVipHolders(client), options.nodeName(), announcements, HOLDERS_MIN_GAP,
                System::nanoTime);
        reconciler.onHandover(this::handoverChanged);
        this.bgpPeers = new BgpPeerObjects(client, events, debouncer::request);
        bgp.objectPeers(bgpPeers::peers);
        this.vrrpScheduler = new VrrpScheduler(host, runDir, Path.of("/proc"), settings.realtime(), registry);
    }

    /** An Event on the VIP ConfigMap when a BGP session of this node changes. */
    private void sessionChanged(BgpPeer peer, String from, String to, boolean established) {
        String message = "node " + options.nodeName() + ": BGP session with " + BirdApplier.label(peer) + " (AS " + peer.peerAsn()
                + ") " + from + " -> " + to;
        LOG.info("{}", message);
        if (established) {
            events.normal(configMapReference(), "BgpSessionUp", message);
        } else {
            events.warning(configMapReference(), "BgpSessionDown", message);
        }
    }

    /** An Event on this node's Node when it starts or ends a planned handover (uid: the name, as the kubelet's). */
    private void handoverChanged(Handover from, Handover to) {
        Node self = new NodeBuilder().withNewMetadata().withName(options.nodeName()).withUid(options.nodeName()).endMetadata().build();
        if (to != null) {
            events.normal(self, "HandingOverVips", "node " + options.nodeName() + " hands its VIPs over to the other nodes "
                    + "and holds none: " + to.describe());
        } else {
            events.normal(self, "EligibleForVips", "node " + options.nodeName() + " is eligible for VIPs again (BACKUP; "
                    + "the current MASTERs keep them): " + from.describe() + " no more");
        }
    }

    public void start() throws IOException {
        Files.createDirectories(runDir.resolve("local"));
        releaseStaleVips();
        reconciler.vrrp().start();
        vrrpScheduler.start();
        ConfigMapRef cm = options.configMap();
        watch("VIP ConfigMap", client.configMaps().inNamespace(cm.namespace()).withName(cm.name()).runnableInformer(0), configMap);
        String ns = options.watchNamespace();
        var svcs = ns == null ? client.services().inAnyNamespace() : client.services().inNamespace(ns);
        var slices = ns == null ? client.discovery().v1().endpointSlices().inAnyNamespace()
                : client.discovery().v1().endpointSlices().inNamespace(ns);
        watch("Services", svcs.withLimit(Informers.PAGE).runnableInformer(0), services);
        watch("EndpointSlices", slices.withLimit(Informers.PAGE).runnableInformer(0), endpointSlices);
        watch("Nodes", client.nodes().withLimit(Informers.PAGE).runnableInformer(0), nodes);
        // not among the informers a sync waits for: without the BgpPeer CRD the agent works with the flags' peers
        bgpPeers.start();
        syncer = new Thread(this::syncLoop, "agent-sync");
        syncer.start();
        debouncer.request();
    }

    private <T extends HasMetadata, R> void watch(String what, SharedIndexInformer<T> informer, TranslatingStore<T, R> store) {
        informers.put(what, Informers.start(informer, store, what));
    }

    /**
     * At start this node holds nothing: VIPs left on the interface by a crashed run go (aledbf #65): those of the VIP
     * table, and those the last run's keepalived had ({@link BoundVipsFile}; a Service deleted just before the crash
     * is no longer in the table).
     */
    private void releaseStaleVips() {
        // the file first: reading the ConfigMap waits for the API, which may be down (the chaos test's api-down)
        removeFromInterface(new BoundVipsFile(Path.of(options.settings().runDir()), BoundVipsFile.KEEPALIVED).read());
        try {
            ConfigMap cm = client.configMaps().inNamespace(options.configMap().namespace()).withName(options.configMap().name()).get();
            if (cm != null) {
                removeFromInterface(VipConfigMapCodec.decode(cm.getData()).table().entries().keySet());
            }
        } catch (KubernetesClientException e) {
            LOG.warn("cannot read the VIP ConfigMap at start ({}); only the VIPs the last run's keepalived had are cleaned", e.getMessage());
        }
    }

    private void removeFromInterface(Set<IpAddress> vips) {
        if (vips.isEmpty()) {
            return;
        }
        iface.list().ifPresent(addresses -> {
            for (IpAddress a : addresses) {
                if (vips.contains(a) && !a.equals(options.nodeIp())) {
                    LOG.info("removing stale VIP {} left on {} by an earlier run", a, options.settings().iface());
                    iface.remove(a);
                }
            }
        });
    }

    private void syncLoop() {
        boolean compactDue = false;
        while (true) {
            Debouncer.Signal signal;
            try {
                signal = debouncer.await(compactDue ? IDLE_BEFORE_COMPACT : null);
            } catch (InterruptedException e) {
                return;
            }
            switch (signal) {
                case CLOSED -> {
                    return;
                }
                case IDLE -> {
                    compactDue = false;
                    // A sync of thousands of Services needs tens of MB for a moment; the serial collector gives
                    // memory back only after a full collection, which an idle heap never gets. Once, when idle
                    // (with the launcher's -XX:-ShrinkHeapInSteps that one collection shrinks the heap fully).
                    System.gc();
                }
                case RUN -> {
                    try {
                        sync();
                    } finally {
                        debouncer.done();
                    }
                    compactDue = true;
                }
            }
        }
    }

    private void sync() {
        if (!synced()) {
            Sleep.millis(100);
            debouncer.request();
            return;
        }
        try {
            reconciler.sync(snapshot());
            announcers.update(bird.announcedVips(), bird.held(), reconciler.table());
            bgpPeers.report();
            inputProblem.clear();
        } catch (InvalidInputException e) {
            inputProblem.warn("sync failed, retrying every second: " + String.join("; ", e.getMessage().lines().toList()));
            Sleep.millis(1000);
            debouncer.request();
        } catch (RuntimeException | IOException e) {
            LOG.error("sync failed; retrying in a second", e);
            Sleep.millis(1000);
            debouncer.request();
        }
    }

    /** What the informers hold now, typed. */
    private ClusterSnapshot snapshot() {
        List<VipConfigMap> cms = configMap.snapshot().values();
        VipConfigMap cm = cms.isEmpty() ? VipConfigMap.ABSENT : cms.get(0);
        configMapUid = cm.uid();
        var svcs = services.snapshot();
        var slices = endpointSlices.snapshot();
        var nodeInfos = nodes.snapshot();
        List<String> errors = new ArrayList<>(svcs.errors());
        errors.addAll(slices.errors());
        slices.values().forEach(g -> errors.addAll(g.refused()));
        errors.addAll(nodeInfos.errors());
        nodeInfos.values().forEach(n -> errors.addAll(n.refused()));
        ClusterSnapshot snapshot = new ClusterSnapshot(cm.table(), svcs.values(), slices.values(), nodeInfos.values(), errors, cm.placements(),
                cm.placementRefusal());
        bgp.observed(snapshot);
        return snapshot;
    }

    /** The VIP ConfigMap as an Event's involved object: kind, namespace, name and the uid last seen. */
    private ConfigMap configMapReference() {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(options.configMap().namespace())
                .withName(options.configMap().name()).withUid(configMapUid).endMetadata().build();
    }

    /** Empty when healthy; else why not (served on /healthz): keepalived down, or the interface disagrees with the state. */
    public Optional<String> health() {
        List<VrrpInstance> in = reconciler.instances();
        if (in == null) {
            return Optional.empty();
        }
        if (!in.isEmpty() && !keepalived.alive()) {
            return Optional.of("keepalived is not running");
        }
        if (haproxy != null && !haproxy.alive()) {
            return Optional.of("haproxy is not running");
        }
        Optional<String> bgpHealth = bird.health();
        if (bgpHealth.isPresent()) {
            return bgpHealth;
        }
        Optional<List<IpAddress>> on = iface.list();
        if (on.isEmpty()) {
            return Optional.of("cannot read the addresses of " + options.settings().iface());
        }
        VrrpStates vrrp = reconciler.vrrp();
        for (VrrpInstance i : in) {
            if (i.iface() != null && !i.iface().equals(options.settings().iface())) {
                continue; // on a pool's own interface: only --iface's addresses are read here
            }
            VrrpStates.State s = vrrp.of(i.name());
            for (IpAddress vip : i.vips()) {
                boolean held = on.get().contains(vip);
                if (s == VrrpStates.State.MASTER && !held) {
                    return Optional.of("instance " + i.name() + " is MASTER but " + vip + " is not on " + options.settings().iface());
                }
                if ((s == VrrpStates.State.BACKUP || s == VrrpStates.State.FAULT) && held) {
                    return Optional.of("instance " + i.name() + " is " + s + " but " + vip + " is on " + options.settings().iface());
                }
            }
        }
        return Optional.empty();
    }

    /** Ready once the caches are synced and a configuration is applied. */
    public Optional<String> readiness() {
        if (!synced()) {
            return Optional.of("caches are not synced yet");
        }
        return reconciler.instances() == null ? Optional.of("no configuration applied yet") : health();
    }

    /** The VRRP state of each instance (for status output and tests). */
    public Map<String, VrrpStates.State> states() {
        return reconciler.vrrp().snapshot();
    }

    private boolean synced() {
        return informers.values().stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** Every change seen so far is applied: no sync pending or running (for tests). */
    boolean idle() {
        return debouncer.idle();
    }

    /** The resourceVersion of the last event the informer of {@code what} ("Services"...) handled (for tests). */
    String lastResourceVersion(String what) {
        return informers.get(what).lastSyncResourceVersion();
    }

    BirdApplier bird() {
        return bird;
    }

    CheckedDaemon keepalived() {
        return keepalived;
    }

    /** Whether keepalived's VRRP process runs with real-time scheduling (as last checked, every second). */
    public boolean vrrpRealtime() {
        return vrrpScheduler.realtime();
    }

    /** conntrackd's applier (nftables data plane), or null (for tests). */
    ConntrackdApplier conntrackd() {
        return conntrackd;
    }

    /** Stops keepalived (it drops its VIPs), removes any VIP still on the interface and the nftables table. */
    @Override
    public void close() {
        debouncer.close();
        if (syncer != null) {
            syncer.interrupt();
            try {
                syncer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        informers.values().forEach(SharedIndexInformer::close);
        bgpPeers.close();
        announcements.shutdownNow();
        vrrpScheduler.close();
        reconciler.close();
        announcers.withdrawAll(); // after BIRD withdrew them (the Reconciler closed it)
        if (options.releaseVips()) {
            Set<IpAddress> vips = reconciler.table().entries().keySet();
            iface.list().ifPresent(addresses -> addresses.stream().filter(vips::contains).forEach(iface::remove));
        }
        events.close();
    }
}
