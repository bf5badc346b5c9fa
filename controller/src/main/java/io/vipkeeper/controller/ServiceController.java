package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.decide.PoolObject;
import io.vipkeeper.core.decide.PoolStatus;
import io.vipkeeper.core.decide.ServiceDecision;
import io.vipkeeper.core.decide.ServiceEvent;
import io.vipkeeper.core.decide.ServiceView;
import io.vipkeeper.core.decide.VipDecider;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.VipPoolSpec;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.platform.EventRecorder;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.PoolPlacementJson;
import io.vipkeeper.platform.process.Sleep;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes Services, the VIP ConfigMap, Nodes, Namespaces and VipPool objects, and (while leader) reconciles: every
 * Service this controller serves gets addresses from the allocator, its status says so, and the VIP ConfigMap lists
 * them (with the pools' placement); every VipPool's status says whether it is used and how full it is.
 *
 * <p>One thread does all the work, so the allocator needs no locks. The Service status is the record of what
 * is allocated: whenever leadership is gained the allocator is rebuilt from a fresh list of every Service
 * before anything is allocated, so restarts and leader changes move no address.
 */
public final class ServiceController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceController.class);

    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final ControllerMetrics metrics;
    private final EventRecorder events;
    private final VipConfigMapWriter configMapWriter;
    private final ServiceWriter writer;
    private final WorkQueue queue = new WorkQueue();
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Status and annotation writes of one batch run in parallel: they are independent, and each is a round trip. */
    private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
        Thread t = new Thread(r, "status-writer");
        t.setDaemon(true);
        return t;
    });
    private final List<Runnable> pendingWrites = new ArrayList<>();
    private static final int WRITERS = 4;
    private static final long WATCH_CHECK_MS = 250;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "retry");
        t.setDaemon(true);
        return t;
    });

    private RelistingInformer<Service> services;
    private SharedIndexInformer<ConfigMap> configMaps;
    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<Namespace> namespaces;
    private VipPoolSource vipPools;
    private final VipPoolStatusWriter poolStatusWriter;
    /** How often a cluster without the VipPool CRD is asked again whether it has it now (tests shorten it). */
    static volatile Duration crdRecheck = Duration.ofSeconds(30);
    private Thread worker;

    // owned by the worker thread
    private final VipDecider decider;
    /** The table last written to the ConfigMap (null: unknown, write it). */
    private VipTable written;
    /** The resourceVersion of the ConfigMap whose entries the decider last saw (null: none seen). */
    private String reservedFrom;
    /** The pool-placement annotation last written (null: none). */
    private String writtenPlacement;
    /** What of each VipPool object the decider last saw (name, creation, spec): a status write alone changes nothing. */
    private Map<String, String> poolsSeen;
    /** Each pool object's health last reported by an Event. */
    private final Map<String, PoolStatus.Health> poolHealth = new HashMap<>();
    /**
     * When each pool's status was last written: during a burst of allocations its counts change with every batch, so
     * they are written at most once per {@link #POOL_STATUS_INTERVAL} (a change of health at once), the last state
     * by a later look.
     */
    private final Map<String, Long> poolStatusWritten = new HashMap<>();
    private volatile boolean poolStatusLater;
    static final Duration POOL_STATUS_INTERVAL = Duration.ofSeconds(1);

    public ServiceController(KubernetesClient client, ControllerSettings settings, PrometheusRegistry registry) {
        this.client = client;
        this.settings = settings;
        this.metrics = new ControllerMetrics(registry);
        this.events = new EventRecorder(client, "vipkeeper-controller", settings.identity());
        this.configMapWriter = new VipConfigMapWriter(client, settings.configMapNamespace(), settings.configMapName(), leading::get, metrics);
        this.writer = new ServiceWriter(client, leading::get, metrics, this::queueRetry);
        this.poolStatusWriter = new VipPoolStatusWriter(client, leading::get, metrics);
        this.decider = new VipDecider(new VipDecider.Policy(settings.pools(), settings.defaultForwardMethod(), settings.loadBalancerClass(),
                settings.allowRequestedOutsidePools()));
        metrics.updatePools(decider.usage());
    }

    /** Starts watching; reconciling starts once this replica leads (see {@link #setLeading}). */
    public void start() {
        services = new RelistingInformer<>("Services", () -> Informers.start(client.services().inAnyNamespace().runnableInformer(0),
                Informers.onAnyChange(s -> queue.addService(key(s))), "Services"));
        configMaps = Informers.start(client.configMaps().inNamespace(settings.configMapNamespace()).withName(settings.configMapName())
                .runnableInformer(0), Informers.onAnyChange(c -> queue.configMapChanged()), "VIP ConfigMap");
        // Node addresses are never a Service's: the decider refuses them and moves a Service off one
        nodes = Informers.start(client.nodes().runnableInformer(0), Informers.onAnyChange(n -> queue.nodesChanged()), "Nodes");
        // a pool's namespaceSelector matches Namespace labels
        namespaces = Informers.start(client.namespaces().runnableInformer(0), Informers.onAnyChange(n -> queue.namespacesChanged()), "Namespaces");
        vipPools = new VipPoolSource(client, queue::poolsChanged, crdRecheck);
        vipPools.start();
        retries.scheduleWithFixedDelay(this::checkWatches, WATCH_CHECK_MS, WATCH_CHECK_MS, TimeUnit.MILLISECONDS);
        worker = new Thread(this::loop, "reconciler");
        worker.start();
    }

    /**
     * A Services cache listed afresh (its watch was lost, and came back) is rebuilt from: the allocator forgets Services
     * that vanished meanwhile instead of keeping their addresses.
     */
    private void checkWatches() {
        try {
            if (services.check()) {
                queue.resync();
            }
        } catch (RuntimeException e) {
            LOG.warn("checking the Services watch failed", e);
        }
    }

    /** Called by leader election (or once at start when it is off). Losing the lease stops all writes at once. */
    public void setLeading(boolean lead) {
        boolean was = leading.getAndSet(lead);
        metrics.leader.set(lead ? 1 : 0);
        if (lead && !was) {
            LOG.info("leading: rebuilding allocations from every Service before allocating");
            queue.resync();
        } else if (!lead && was) {
            LOG.warn("lost leadership: stopped writing");
        }
    }

    public boolean isLeading() {
        return leading.get();
    }

    /** Empty when fine, else what is wrong (served on /healthz). */
    public Optional<String> health() {
        if (services == null || !services.get().isRunning() || !configMaps.isRunning() || !nodes.isRunning() || !namespaces.isRunning()
                || !vipPools.running()) {
            return Optional.of("informers are not running");
        }
        if (worker == null || !worker.isAlive()) {
            return Optional.of("reconciler thread has stopped");
        }
        return Optional.empty();
    }

    /** Caches synced (served on /readyz together with leader knowledge). */
    public boolean synced() {
        return services != null && services.get().hasSynced() && configMaps.hasSynced() && nodes.hasSynced() && namespaces.hasSynced()
                && vipPools.synced();
    }

    /**
     * Whether the Services watch is established and the periodic check has seen it so (tests wait for this before
     * cutting the API server off: a watch lost before the check saw it up would not count as lost).
     */
    boolean watchingServices() {
        return services != null && services.get().isWatching() && services.seenWatching();
    }

    /** Whether the Services watch counts as lost (tests wait for it before the API server comes back). */
    boolean servicesWatchLost() {
        return services != null && services.lost();
    }

    ControllerMetrics metrics() {
        return metrics;
    }

    static String key(HasMetadata o) {
        return Cache.metaNamespaceKeyFunc(o);
    }

    private void loop() {
        while (running.get()) {
            WorkQueue.Batch batch;
            try {
                batch = queue.take(settings.batchDelay());
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) {
                return;
            }
            if (!leading.get()) {
                continue; // gaining leadership resyncs everything
            }
            if (!synced()) {
                // the first lists have not come back (API server not reachable yet): keep the work for later
                Sleep.millis(200);
                batch.services().forEach(queue::addService);
                if (batch.configMap()) {
                    queue.configMapChanged();
                }
                if (batch.resync()) {
                    queue.resync();
                }
                if (batch.nodes()) {
                    queue.nodesChanged();
                }
                if (batch.pools()) {
                    queue.poolsChanged();
                }
                if (batch.namespaces()) {
                    queue.namespacesChanged();
                }
                continue;
            }
            long start = System.nanoTime();
            try {
                reconcile(batch);
            } catch (RuntimeException e) {
                LOG.error("reconcile failed; retrying the batch in a second", e);
                Sleep.millis(1000);
                batch.services().forEach(queue::addService);
                queue.configMapChanged();
                queue.nodesChanged();
                queue.poolsChanged();
                queue.namespacesChanged();
            }
            metrics.reconcileSeconds.observe((System.nanoTime() - start) / 1e9);
        }
    }

    private void reconcile(WorkQueue.Batch batch) {
        Set<String> keys = new LinkedHashSet<>(batch.services());
        if (batch.namespaces() || batch.resync()) {
            decider.namespaces(namespaceLabels()).forEach(r -> keys.add(r.toString()));
        }
        if (batch.pools() || batch.resync()) {
            // pools first: the rebuild restores addresses into the pools as they are now
            updatePools(batch.resync()).forEach(r -> keys.add(r.toString()));
        }
        if (batch.resync()) {
            keys.addAll(rebuild());
            reservedFrom = null;
        }
        ConfigMap cm = configMaps.getStore().getByKey(settings.configMapNamespace() + "/" + settings.configMapName());
        // the informer's echo of the controller's own write tells nothing new: no decode, no read, no write
        boolean configMapNews = (batch.configMap() || batch.resync())
                && (cm == null || reservedFrom == null || !reservedFrom.equals(VipConfigMapWriter.version(cm)));
        if (configMapNews) {
            decider.reserve(cm == null ? null : cm.getData() == null ? Map.of() : cm.getData(), VipConfigMapWriter.owned(cm))
                    .forEach(r -> keys.add(r.toString()));
            reservedFrom = VipConfigMapWriter.version(cm);
        }
        if (batch.nodes() || batch.resync()) {
            decider.nodes(nodeAddresses()).forEach(r -> keys.add(r.toString()));
        }
        List<ServiceRef> changed = new ArrayList<>();
        Map<ServiceRef, ServiceView> present = new HashMap<>();
        Map<ServiceRef, Service> objects = new HashMap<>();
        for (String key : keys) {
            Service s = services.get().getStore().getByKey(key);
            ServiceRef ref = validRef(key);
            if (ref == null) {
                if (s != null && ServiceRequests.isLoadBalancer(s)) {
                    events.warning(s, "AllocationFailed", "address invalid: the Service's name or namespace is not a valid DNS label");
                    metrics.failures.labelValues(AllocationResult.Reason.ADDRESS_INVALID.label()).inc();
                }
                continue;
            }
            changed.add(ref);
            if (s != null) {
                present.put(ref, view(s));
                objects.put(ref, s);
            }
        }
        VipDecider.Decision decision = decider.decide(changed, present);
        if (!leading.get()) {
            return;
        }
        for (ServiceDecision d : decision.services()) {
            apply(d, objects.get(d.service()));
        }
        flushWrites();
        decision.wake().forEach(r -> queue.addService(r.toString()));
        metrics.updatePools(decider.usage());
        writePoolStatuses();
        String placement = placement();
        if (configMapNews || !decision.table().equals(written) || !Objects.equals(placement, writtenPlacement)) {
            VipConfigMapWriter.Written w = configMapWriter.write(decision.table(), placement, cm);
            written = w == null ? null : decision.table();
            writtenPlacement = w == null ? null : placement;
            if (w != null && Objects.equals(w.base(), reservedFrom)) {
                reservedFrom = w.resourceVersion(); // only our own write lies between what the decider saw and now
            }
            if (w == null && leading.get()) {
                retryConfigMapLater();
            }
        }
    }

    /** The Service as the decider takes it, with its labels (for a pool's serviceSelector). */
    private ServiceView view(Service s) {
        ServiceView v = ServiceRequests.view(s, settings);
        Map<String, String> labels = s.getMetadata().getLabels();
        if (v.request() == null || labels == null || labels.isEmpty()) {
            return v;
        }
        return new ServiceView(v.ref(), v.serving(), v.fingerprint(), v.request().withLabels(labels), v.invalid(), v.method(),
                v.methodProblem(), v.status(), v.ingressCount(), v.created(), v.outsideFlagged());
    }

    /**
     * Gives the decider the VipPool objects when what it saw of them changed (a status write alone changes nothing);
     * returns the Services to look at again.
     */
    private Set<ServiceRef> updatePools(boolean force) {
        Map<String, String> seen = new TreeMap<>();
        List<PoolObject> objects = new ArrayList<>();
        for (GenericKubernetesResource p : vipPools.list()) {
            String name = p.getMetadata().getName();
            String created = p.getMetadata().getCreationTimestamp();
            Object spec = p.getAdditionalProperties().get("spec");
            seen.put(name, created + "|" + spec);
            try {
                objects.add(PoolObject.valid(name, created, VipPoolSpec.parse(name, spec)));
            } catch (InvalidInputException e) {
                objects.add(PoolObject.invalid(name, created, e.getMessage()));
            }
        }
        if (!force && seen.equals(poolsSeen)) {
            return Set.of();
        }
        poolsSeen = seen;
        Set<ServiceRef> again = decider.pools(objects);
        LOG.info("pools: {} from flags, {} objects ({} in use)", settings.pools().size(), objects.size(), decider.placements().size());
        return again;
    }

    /** Writes each VipPool's status when it changed, and an Event when its health changed. */
    private void writePoolStatuses() {
        if (!vipPools.served()) {
            return;
        }
        Instant now = Instant.now();
        long nanos = System.nanoTime();
        boolean deferred = false;
        Set<String> present = new LinkedHashSet<>();
        for (PoolStatus st : decider.poolStatuses()) {
            GenericKubernetesResource obj = vipPools.get(st.name());
            if (obj == null) {
                continue;
            }
            present.add(st.name());
            boolean healthChanged = poolHealth.get(st.name()) != st.health();
            Long last = poolStatusWritten.get(st.name());
            if (!healthChanged && last != null && nanos - last < POOL_STATUS_INTERVAL.toNanos()) {
                deferred = true; // counts only: written with the next look, at most a second from now
                continue;
            }
            if (poolHealth.put(st.name(), st.health()) != st.health()) {
                switch (st.health()) {
                    case READY -> events.normal(obj, "PoolReady", "addresses " + st.addresses() + " are handed out");
                    case CONFLICT -> events.warning(obj, "PoolConflict", "not used: " + st.message());
                    case INVALID -> events.warning(obj, "PoolInvalid", "not used: " + st.message());
                }
            }
            if (poolStatusWriter.write(obj, st, now)) {
                poolStatusWritten.put(st.name(), nanos);
            }
        }
        poolHealth.keySet().retainAll(present);
        poolStatusWritten.keySet().retainAll(present);
        if (deferred && !poolStatusLater) {
            poolStatusLater = true;
            retries.schedule(() -> {
                poolStatusLater = false;
                queue.poolsChanged();
            }, POOL_STATUS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The pool-placement annotation's text, or null when every pool in use has the default placement. */
    private String placement() {
        String json = PoolPlacementJson.encode(decider.placements());
        return json.equals("{}") ? null : json;
    }

    private Map<String, Map<String, String>> namespaceLabels() {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (Namespace n : namespaces.getStore().list()) {
            Map<String, String> labels = n.getMetadata().getLabels();
            out.put(n.getMetadata().getName(), labels == null ? Map.of() : Map.copyOf(labels));
        }
        return out;
    }

    /** Applies one Service's decision: Events now, Service writes queued for the batch's parallel flush. */
    private void apply(ServiceDecision d, Service s) {
        for (ServiceEvent e : d.events()) {
            emit(s, e);
        }
        if (d instanceof ServiceDecision.Holds h) {
            pendingWrites.add(() -> {
                // one write carries the addresses and the AddressOutsidePools condition; only new addresses are an allocation
                boolean wrote = h.statusWrite() && writer.writeStatus(s, h.allocation().ips(), h.outside());
                if (wrote && h.writeStatus()) {
                    h.allocation().addresses().stream().filter(a -> a.pool() != null)
                            .forEach(a -> metrics.allocations.labelValues(a.pool()).inc());
                    emit(s, h.allocated());
                    if (h.moved()) {
                        LOG.info("{} moved from {} to {}", h.service(), h.before(), h.allocation().ips());
                    }
                }
                writer.writePoolAnnotation(s, h.allocation().primaryPool());
            });
        } else if (d instanceof ServiceDecision.Refused r && r.clearStatus()) {
            pendingWrites.add(() -> writer.writeStatus(s, List.of(), ServiceWriter.NOT_OUTSIDE));
        } else if (d instanceof ServiceDecision.Released r) {
            metrics.releases.inc();
            if (r.clearStatus()) {
                pendingWrites.add(() -> writer.writeStatus(s, List.of(), ServiceWriter.NOT_OUTSIDE));
            }
        } else if (d instanceof ServiceDecision.Forgotten f && s == null) {
            writer.forget(f.service().toString());
            if (f.released()) {
                metrics.releases.inc();
                LOG.info("released the addresses of deleted Service {}", f.service());
            }
        }
    }

    private void emit(Service s, ServiceEvent e) {
        if (e instanceof ServiceEvent.AllocationFailed f) {
            metrics.failures.labelValues(f.why().label()).inc();
            LOG.info("{}: {}", f.service(), f.message());
        }
        if (e.warning()) {
            events.warning(s, e.reason(), e.message());
        } else {
            events.normal(s, e.reason(), e.message());
        }
    }

    /** Every address of every Node in the cache (address → Node name); addresses that do not parse are skipped. */
    private Map<IpAddress, String> nodeAddresses() {
        Map<IpAddress, String> out = new HashMap<>();
        for (Node n : nodes.getStore().list()) {
            if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
                continue;
            }
            for (NodeAddress a : n.getStatus().getAddresses()) {
                IpAddress ip = IpAddress.tryParse(a.getAddress());
                if (ip != null) {
                    out.putIfAbsent(ip, n.getMetadata().getName());
                }
            }
        }
        return out;
    }

    /** Rebuilds the allocations from a fresh list of every Service; returns every Service key to reconcile. */
    private Set<String> rebuild() {
        List<Service> all = new ArrayList<>(client.services().inAnyNamespace().list().getItems());
        // the oldest claim wins a conflict (two Services whose status names one address)
        all.sort(Comparator.comparing((Service s) -> Objects.toString(s.getMetadata().getCreationTimestamp(), ""))
                .thenComparing(ServiceController::key));
        Set<String> keys = new LinkedHashSet<>();
        List<ServiceView> views = new ArrayList<>();
        Map<ServiceRef, Service> objects = new HashMap<>();
        for (Service s : all) {
            keys.add(key(s));
            if (validRef(key(s)) != null) {
                views.add(view(s));
                objects.put(ServiceRequests.ref(s), s);
            }
        }
        VipDecider.Rebuilt rebuilt = decider.rebuild(views);
        rebuilt.events().forEach(e -> emit(objects.get(e.service()), e));
        keys.addAll(services.get().getStore().listKeys());
        written = null;
        writtenPlacement = null;
        LOG.info("rebuilt allocations: {} Services keep their addresses", rebuilt.restored());
        return keys;
    }

    /** Runs the batch's Service writes in parallel and waits for them (before the ConfigMap is written). */
    private void flushWrites() {
        List<Future<?>> running = new ArrayList<>();
        for (Runnable w : pendingWrites) {
            running.add(writers.submit(w));
        }
        pendingWrites.clear();
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                LOG.warn("a Service write failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static ServiceRef validRef(String key) {
        int slash = key.indexOf('/');
        String ns = key.substring(0, slash);
        String name = key.substring(slash + 1);
        return KubeNames.isNamespace(ns) && KubeNames.isServiceName(name) ? new ServiceRef(ns, name) : null;
    }

    private void queueRetry(String key) {
        retries.schedule(() -> queue.addService(key), 1, TimeUnit.SECONDS);
    }

    private void retryConfigMapLater() {
        retries.schedule(queue::configMapChanged, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        running.set(false);
        leading.set(false);
        queue.close();
        retries.shutdownNow();
        writers.shutdownNow();
        events.close();
        if (services != null) {
            services.close();
        }
        if (configMaps != null) {
            configMaps.close();
        }
        if (nodes != null) {
            nodes.close();
        }
        if (namespaces != null) {
            namespaces.close();
        }
        if (vipPools != null) {
            vipPools.close();
        }
        if (worker != null) {
            worker.interrupt();
        }
    }
}
