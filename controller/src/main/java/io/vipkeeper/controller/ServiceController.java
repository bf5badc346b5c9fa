package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatus;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.alloc.Allocation;
import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.alloc.Allocator;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.names.KubeNames;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.viptable.ConfigMapMerge;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTarget;
import io.vipkeeper.platform.AnnotationPatch;
import io.vipkeeper.platform.EventRecorder;
import io.vipkeeper.platform.Informers;
import io.vipkeeper.platform.process.Sleep;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Observes Services and the VIP ConfigMap, and (while leader) reconciles: every Service this controller serves
 * gets addresses from the allocator, its status says so, and the VIP ConfigMap lists them.
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
    private final WorkQueue queue = new WorkQueue();
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** Status and annotation writes of one batch run in parallel: they are independent, and each is a round trip. */
    private final java.util.concurrent.ExecutorService writers = Executors.newFixedThreadPool(WRITERS, r -> {
        Thread t = new Thread(r, "status-writer");
        t.setDaemon(true);
        return t;
    });
    private final List<Runnable> pendingWrites = new ArrayList<>();
    private static final int WRITERS = 4;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "retry");
        t.setDaemon(true);
        return t;
    });

    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<ConfigMap> configMaps;
    private Thread worker;

    // owned by the worker thread
    private Allocator allocator;
    private final Map<ServiceRef, ForwardMethod> methods = new HashMap<>();
    private final Map<ServiceRef, String> fingerprints = new HashMap<>();
    /** Services that could not get an address: looked at again whenever an address is freed. */
    private final Set<String> waiting = new java.util.TreeSet<>();
    private boolean freed;
    private Map<IpAddress, VipEntry> written;

    public ServiceController(KubernetesClient client, ControllerSettings settings, io.prometheus.metrics.model.registry.PrometheusRegistry registry) {
        this.client = client;
        this.settings = settings;
        this.metrics = new ControllerMetrics(registry);
        this.events = new EventRecorder(client, "vipkeeper-controller", settings.identity());
        this.configMapWriter = new VipConfigMapWriter(client, settings.configMapNamespace(), settings.configMapName(), leading::get, metrics);
        this.allocator = new Allocator(settings.pools());
        metrics.updatePools(allocator);
    }

    /** Starts watching; reconciling starts once this replica leads (see {@link #setLeading}). */
    public void start() {
        services = Informers.start(client.services().inAnyNamespace().runnableInformer(0),
                new Handler<>(s -> queue.addService(key(s))), "Services");
        configMaps = Informers.start(client.configMaps().inNamespace(settings.configMapNamespace()).withName(settings.configMapName())
                .runnableInformer(0), new Handler<>(c -> queue.configMapChanged()), "VIP ConfigMap");
        worker = new Thread(this::loop, "reconciler");
        worker.start();
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
        if (services == null || !services.isRunning() || !configMaps.isRunning()) {
            return Optional.of("informers are not running");
        }
        if (worker == null || !worker.isAlive()) {
            return Optional.of("reconciler thread has stopped");
        }
        return Optional.empty();
    }

    /** Caches synced (served on /readyz together with leader knowledge). */
    public boolean synced() {
        return services != null && services.hasSynced() && configMaps.hasSynced();
    }

    ControllerMetrics metrics() {
        return metrics;
    }

    private static String key(io.fabric8.kubernetes.api.model.HasMetadata o) {
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
            }
            metrics.reconcileSeconds.observe((System.nanoTime() - start) / 1e9);
        }
    }

    private void reconcile(WorkQueue.Batch batch) {
        Set<String> keys = new java.util.LinkedHashSet<>(batch.services());
        boolean configMapChanged = batch.configMap();
        if (batch.resync()) {
            keys.addAll(rebuild());
            configMapChanged = true;
        }
        if (configMapChanged) {
            keys.addAll(refreshReserved(configMaps.getStore().getByKey(settings.configMapNamespace() + "/" + settings.configMapName())));
        }
        freed = false;
        for (String key : keys) {
            if (!leading.get()) {
                pendingWrites.clear();
                return;
            }
            reconcileService(key);
        }
        flushWrites();
        if (freed) {
            waiting.forEach(queue::addService);
        }
        metrics.updatePools(allocator);
        Map<IpAddress, VipEntry> desired = desiredTable();
        if (configMapChanged || !desired.equals(written)) {
            written = configMapWriter.write(desired) ? desired : null;
            if (written == null && leading.get()) {
                retryConfigMapLater();
            }
        }
    }

    /** Rebuilds the allocator from a fresh list of every Service; returns every Service key to reconcile. */
    private Set<String> rebuild() {
        Allocator fresh = new Allocator(settings.pools());
        methods.clear();
        fingerprints.clear();
        waiting.clear();
        List<Service> all = new ArrayList<>(client.services().inAnyNamespace().list().getItems());
        // the oldest claim wins a conflict (two Services whose status names one address)
        all.sort(Comparator.comparing((Service s) -> Objects.toString(s.getMetadata().getCreationTimestamp(), ""))
                .thenComparing(ServiceController::key));
        Set<String> keys = new java.util.LinkedHashSet<>();
        int restored = 0;
        for (Service s : all) {
            keys.add(key(s));
            ServiceRef ref = validRef(s);
            if (ref == null || !ServiceRequests.handles(s, settings)) {
                continue;
            }
            List<IpAddress> current = ServiceRequests.statusAddresses(s);
            fingerprints.put(ref, ServiceRequests.fingerprint(s));
            methods.put(ref, methodOf(s, false));
            if (current.isEmpty()) {
                continue;
            }
            AllocationResult r = fresh.restore(restoreRequest(s, ref, current), current);
            if (r instanceof AllocationResult.Failure f) {
                events.warning(s, "AddressConflict", "status names " + current + " but " + f.message()
                        + "; a new address will be assigned");
            } else {
                restored++;
            }
        }
        keys.addAll(services.getStore().listKeys());
        allocator = fresh;
        written = null;
        LOG.info("rebuilt allocations: {} Services keep their addresses", restored);
        return keys;
    }

    private AllocationRequest restoreRequest(Service s, ServiceRef ref, List<IpAddress> current) {
        try {
            return ServiceRequests.request(s, true);
        } catch (InvalidInputException e) {
            List<IpFamily> families = current.stream().map(IpAddress::family).distinct().toList();
            return new AllocationRequest(ref, families, families.size() > 1 ? FamilyPolicy.PREFER_DUAL_STACK : FamilyPolicy.SINGLE_STACK,
                    List.of(), null, null, Set.of(), true);
        }
    }

    /**
     * Entries in the ConfigMap that the controller did not write take their address out of the allocator's hands,
     * unless they name exactly the Services that hold it (then they are taken over). Returns the Services that
     * held an address that is now reserved: they must move.
     */
    private Set<String> refreshReserved(ConfigMap cm) {
        Set<String> affected = new HashSet<>();
        if (cm == null || cm.getData() == null) {
            allocator.setReserved(List.of());
            return affected;
        }
        Set<String> owned = VipConfigMapWriter.owned(cm);
        List<IpAddress> reserved = new ArrayList<>();
        for (Map.Entry<String, String> e : cm.getData().entrySet()) {
            IpAddress a = VipConfigMapCodec.decodeKey(e.getKey());
            if (a == null || owned.contains(e.getKey())) {
                continue; // garbage keys are left alone; our own keys are ours to rewrite
            }
            Set<ServiceRef> holders = allocator.holdersOf(a);
            if (!holders.isEmpty() && ConfigMapMerge.sameServices(e.getValue(), entryFor(a, holders))) {
                continue;
            }
            reserved.add(a);
            holders.forEach(h -> affected.add(h.toString()));
        }
        allocator.setReserved(reserved);
        return affected;
    }

    private void reconcileService(String key) {
        Service s = services.getStore().getByKey(key);
        int slash = key.indexOf('/');
        String ns = key.substring(0, slash);
        String name = key.substring(slash + 1);
        if (!KubeNames.isNamespace(ns) || !KubeNames.isServiceName(name)) {
            if (s != null && ServiceRequests.isLoadBalancer(s)) {
                events.warning(s, "AllocationFailed", "address invalid: the Service's name or namespace is not a valid DNS label");
                metrics.failures.labelValues(AllocationResult.Reason.ADDRESS_INVALID.label()).inc();
            }
            return;
        }
        ServiceRef ref = new ServiceRef(ns, name);
        waiting.remove(key);
        if (s == null) {
            if (allocator.release(ref)) {
                freed = true;
                metrics.releases.inc();
                LOG.info("released the addresses of deleted Service {}", ref);
            }
            methods.remove(ref);
            fingerprints.remove(ref);
            return;
        }
        if (!ServiceRequests.handles(s, settings)) {
            release(s, ref);
            return;
        }
        String fp = ServiceRequests.fingerprint(s);
        boolean unchanged = fp.equals(fingerprints.put(ref, fp));
        methods.put(ref, methodOf(s, true));
        AllocationRequest request;
        try {
            request = ServiceRequests.request(s, unchanged);
        } catch (InvalidInputException e) {
            fail(s, AllocationResult.Reason.ADDRESS_INVALID, e.getMessage());
            return;
        }
        Optional<Allocation> before = allocator.allocationOf(ref);
        AllocationResult result = allocator.assign(request);
        if (result instanceof AllocationResult.Failure f) {
            waiting.add(key);
            fail(s, f.reason(), f.message());
            return;
        }
        if (before.isPresent() && !before.get().equals(((AllocationResult.Success) result).allocation())) {
            freed = true;
        }
        Allocation allocation = ((AllocationResult.Success) result).allocation();
        for (Allocation.Assigned a : allocation.addresses()) {
            if (a.pool() == null && !request.requested().contains(a.address())) {
                events.warning(s, "AddressOutsidePools", a.address() + " is in no pool any more; the Service keeps it until"
                        + " its spec changes or it is deleted");
            }
        }
        List<IpAddress> ips = allocation.ips();
        boolean statusDiffers = !ips.equals(ServiceRequests.statusAddresses(s)) || ingressCount(s) != ips.size();
        pendingWrites.add(() -> {
            if (statusDiffers && writeStatus(s, ips)) {
                String pool = allocation.primaryPool();
                allocation.addresses().stream().filter(a -> a.pool() != null).forEach(a -> metrics.allocations.labelValues(a.pool()).inc());
                events.normal(s, "IPAllocated", "Assigned " + ips.stream().map(Object::toString).reduce((a, b) -> a + ", " + b).orElse("")
                        + (pool == null ? " (requested, outside every pool)" : " from pool " + pool));
                if (before.isPresent() && !before.get().ips().isEmpty() && !before.get().ips().equals(ips)) {
                    LOG.info("{} moved from {} to {}", ref, before.get().ips(), ips);
                }
            }
            writePoolAnnotation(s, allocation.primaryPool());
        });
    }

    /** Runs the batch's Service writes in parallel and waits for them (before the ConfigMap is written). */
    private void flushWrites() {
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        for (Runnable w : pendingWrites) {
            running.add(writers.submit(w));
        }
        pendingWrites.clear();
        for (java.util.concurrent.Future<?> f : running) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("a Service write failed", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void release(Service s, ServiceRef ref) {
        Optional<Allocation> had = allocator.allocationOf(ref);
        if (allocator.release(ref)) {
            freed = true;
            metrics.releases.inc();
            String why = ServiceRequests.isLoadBalancer(s) ? "its load balancer class is not " + settings.loadBalancerClass()
                    : "it is no longer of type LoadBalancer";
            events.normal(s, "IPReleased", "Released " + had.map(Allocation::ips).orElse(List.of()) + ": " + why);
            if (!ServiceRequests.isLoadBalancer(s) && ingressCount(s) > 0) {
                writeStatus(s, List.of());
            }
        }
        methods.remove(ref);
        fingerprints.remove(ref);
    }

    private void fail(Service s, AllocationResult.Reason reason, String message) {
        metrics.failures.labelValues(reason.label()).inc();
        events.warning(s, "AllocationFailed", reason.text() + ": " + message);
        LOG.info("{}/{}: {}: {}", s.getMetadata().getNamespace(), s.getMetadata().getName(), reason.text(), message);
    }

    private ForwardMethod methodOf(Service s, boolean report) {
        try {
            ForwardMethod m = ServiceRequests.forwardMethod(s);
            return m != null ? m : settings.defaultForwardMethod();
        } catch (InvalidInputException e) {
            if (report) {
                events.warning(s, "InvalidForwardMethod", "annotation " + Annotations.FORWARD_METHOD + ": " + e.getMessage()
                        + "; using " + settings.defaultForwardMethod());
            }
            return settings.defaultForwardMethod();
        }
    }

    private static int ingressCount(Service s) {
        return s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null
                ? 0 : s.getStatus().getLoadBalancer().getIngress().size();
    }

    /** A full update of the status subresource with the resourceVersion read; on 409, re-read and retry. */
    private boolean writeStatus(Service s, List<IpAddress> ips) {
        Service current = s;
        for (int attempt = 1; attempt <= 5 && leading.get(); attempt++) {
            ServiceStatus status = current.getStatus() == null ? new ServiceStatus() : new io.fabric8.kubernetes.api.model.ServiceStatusBuilder(current.getStatus()).build();
            LoadBalancerStatus lb = new LoadBalancerStatus();
            lb.setIngress(ips.stream().map(ip -> new LoadBalancerIngressBuilder().withIp(ip.toString()).build()).toList());
            status.setLoadBalancer(lb);
            Service next = new ServiceBuilder(current).withStatus(status).build();
            try {
                client.services().inNamespace(s.getMetadata().getNamespace()).resource(next).updateStatus();
                metrics.apiWrites.labelValues("status").inc();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return false;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    LOG.warn("could not write the status of {}: {}", key(s), e.getMessage());
                    queueRetry(key(s));
                    return false;
                }
                current = client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName()).get();
                if (current == null || !Objects.equals(current.getMetadata().getUid(), s.getMetadata().getUid())) {
                    return false;
                }
            }
        }
        return false;
    }

    private void writePoolAnnotation(Service s, String pool) {
        String patch = AnnotationPatch.set(s.getMetadata().getAnnotations(), Annotations.ALLOCATED_FROM_POOL, pool);
        if (patch == null || !leading.get()) {
            return;
        }
        try {
            client.services().inNamespace(s.getMetadata().getNamespace()).withName(s.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), patch);
            metrics.apiWrites.labelValues("annotation").inc();
        } catch (KubernetesClientException e) {
            LOG.debug("could not annotate {}: {}", key(s), e.getMessage());
        }
    }

    private Map<IpAddress, VipEntry> desiredTable() {
        Map<IpAddress, VipEntry> out = new TreeMap<>();
        allocator.holdings().forEach((a, holders) -> out.put(a, entryFor(a, holders)));
        return out;
    }

    private VipEntry entryFor(IpAddress a, Set<ServiceRef> holders) {
        List<VipTarget> targets = new ArrayList<>();
        for (ServiceRef h : holders) {
            targets.add(new VipTarget(h, methods.getOrDefault(h, settings.defaultForwardMethod())));
        }
        return new VipEntry(a, targets);
    }

    private ServiceRef validRef(Service s) {
        String ns = s.getMetadata().getNamespace();
        String name = s.getMetadata().getName();
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
        if (worker != null) {
            worker.interrupt();
        }
    }

    /** Enqueues on add, update and delete. */
    private static final class Handler<T> implements ResourceEventHandler<T> {
        private final java.util.function.Consumer<T> onChange;

        Handler(java.util.function.Consumer<T> onChange) {
            this.onChange = onChange;
        }

        @Override
        public void onAdd(T obj) {
            onChange.accept(obj);
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            onChange.accept(newObj);
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            onChange.accept(obj);
        }
    }
}
