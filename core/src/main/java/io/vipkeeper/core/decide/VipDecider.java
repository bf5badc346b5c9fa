package io.vipkeeper.core.decide;

import io.vipkeeper.core.alloc.Allocation;
import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.alloc.AllocationResult;
import io.vipkeeper.core.alloc.Allocator;
import io.vipkeeper.core.alloc.FamilyPolicy;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.SpecialAddress;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolPlacement;
import io.vipkeeper.core.pool.VipPoolSpec;
import io.vipkeeper.core.viptable.ConfigMapMerge;
import io.vipkeeper.core.viptable.ForwardMethod;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipEntry;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.core.viptable.VipTarget;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The controller's decisions, in memory and before any write: which addresses each Service holds, which Events say
 * so, whose status must change, and the VIP table. It owns the {@link Allocator} and what the table needs beside it
 * (each Service's forward method) and remembers what it needs to decide well next time (the fingerprint of each
 * Service: a changed Service may lose an address outside every pool; the Services waiting for a freed address).
 *
 * <p>Single-threaded, like the allocator: the controller's reconciler thread is its only caller.
 */
public final class VipDecider {

    /**
     * How the controller was configured. {@code pools}: the pools that are not objects (flags, --pools-file,
     * KEEPALIVED_SERVICE_CIDR); VipPool objects come and go with {@link #pools(List)}. {@code allowRequestedOutsidePools}:
     * grant a requested address that is in no pool (the seed did; off by default, so a tenant cannot claim any address of
     * the LAN).
     */
    public record Policy(List<AddressPool> pools, ForwardMethod defaultMethod, String loadBalancerClass, boolean allowRequestedOutsidePools) {
        public Policy {
            pools = List.copyOf(pools);
        }
    }

    /** A batch's decisions: per Service, the Services to look at again (an address they wait for was freed), the table. */
    public record Decision(List<ServiceDecision> services, Set<ServiceRef> wake, VipTable table) {
        public Decision {
            services = List.copyOf(services);
            wake = Set.copyOf(wake);
        }
    }

    /** The outcome of a rebuild: Services whose status could not be restored, and how many kept their addresses. */
    public record Rebuilt(List<ServiceEvent> events, int restored) {
        public Rebuilt {
            events = List.copyOf(events);
        }
    }

    private final Policy policy;
    private Allocator allocator;
    /** The VipPool objects as last given, oldest first, and what became of each. */
    private List<PoolObject> objects = List.of();
    private final Map<String, PoolStatus.Health> health = new TreeMap<>();
    private final Map<String, String> healthMessage = new HashMap<>();
    /** The pools in use: the flags' and the objects' that are Ready. */
    private List<AddressPool> pools;
    /** Specs of the Ready pool objects, by name: their placement and forward method. */
    private final Map<String, VipPoolSpec> specs = new TreeMap<>();
    /** The Services' own forward method annotation (null: none, the pool's or the controller's default applies). */
    private final Map<ServiceRef, ForwardMethod> annotated = new HashMap<>();
    private Map<String, Map<String, String>> namespaceLabels = Map.of();
    private final Map<ServiceRef, ForwardMethod> methods = new HashMap<>();
    private final Map<ServiceRef, String> fingerprints = new HashMap<>();
    /** Services that could not get an address: looked at again whenever an address is freed. */
    private final Set<ServiceRef> waiting = new TreeSet<>();
    private boolean freed;
    /** When each Service was created: of two that can no longer share an address, the newer loses it. */
    private final Map<ServiceRef, String> created = new HashMap<>();
    /** Services that lost a shared address to an older one: looked at next, and their status cleared if they get none. */
    private final Set<ServiceRef> evicted = new TreeSet<>();
    /** Addresses of hand-written ConfigMap entries. */
    private List<IpAddress> foreign = List.of();
    /** Addresses of Nodes (address → Node name): no Service may hold one. */
    private Map<IpAddress, String> nodes = Map.of();

    public VipDecider(Policy policy) {
        this.policy = policy;
        this.pools = policy.pools();
        this.allocator = new Allocator(pools);
    }

    /**
     * Replaces the VipPool objects (all of them, as the informer has them). Of two that share an address the older
     * (creationTimestamp, then name) is used and the newer is refused (Conflict); one that shares an address with a pool
     * from flags is refused naming it; one whose spec does not parse is refused (Invalid). Nothing moves: a Service
     * holding an address that left every pool keeps it until it changes (it is looked at again and told so). Returns the
     * Services to look at again: those whose addresses changed pool, and every Service waiting for an address.
     */
    public Set<ServiceRef> pools(List<PoolObject> given) {
        List<PoolObject> sorted = new ArrayList<>(given);
        sorted.sort(Comparator.comparing(PoolObject::created).thenComparing(PoolObject::name));
        objects = List.copyOf(sorted);
        health.clear();
        healthMessage.clear();
        specs.clear();
        List<AddressPool> next = new ArrayList<>(policy.pools());
        List<AddressPool> accepted = new ArrayList<>();
        for (PoolObject o : sorted) {
            if (o.invalid() != null) {
                refuse(o.name(), PoolStatus.Health.INVALID, o.invalid());
                continue;
            }
            AddressPool p = o.spec().pool();
            Optional<String> clash = policy.pools().stream().filter(f -> f.name().equals(p.name())).findFirst()
                    .map(f -> "a pool from flags (--pool, --pools-file or KEEPALIVED_SERVICE_CIDR) is named " + f.name());
            for (AddressPool f : policy.pools()) {
                if (clash.isEmpty()) {
                    clash = p.overlap(f).map(x -> x + " of pool " + f.name() + ", a pool from flags (--pool, --pools-file or KEEPALIVED_SERVICE_CIDR)");
                }
            }
            for (AddressPool older : accepted) {
                if (clash.isEmpty()) {
                    clash = p.overlap(older).map(x -> x + " of pool " + older.name() + ", which is older");
                }
            }
            if (clash.isPresent()) {
                refuse(o.name(), PoolStatus.Health.CONFLICT, clash.get());
                continue;
            }
            accepted.add(p);
            health.put(o.name(), PoolStatus.Health.READY);
            specs.put(o.name(), o.spec());
        }
        // objects without a priority come after the flags' pools, by name (the allocator orders by priority first)
        accepted.sort(Comparator.comparing(AddressPool::name));
        next.addAll(accepted);
        pools = List.copyOf(next);
        Set<ServiceRef> affected = new TreeSet<>(allocator.replacePools(pools));
        affected.addAll(waiting);
        // a pool's forward method may have changed: the table follows at once (the annotation still wins)
        for (Map.Entry<ServiceRef, ForwardMethod> e : methods.entrySet()) {
            ForwardMethod own = annotated.get(e.getKey());
            if (own == null) {
                String pool = allocator.allocationOf(e.getKey()).map(Allocation::primaryPool).orElse(null);
                VipPoolSpec spec = pool == null ? null : specs.get(pool);
                e.setValue(spec != null && spec.forwardMethod() != null ? spec.forwardMethod() : policy.defaultMethod());
            }
        }
        return affected;
    }

    private void refuse(String name, PoolStatus.Health h, String why) {
        health.put(name, h);
        healthMessage.put(name, why);
    }

    /** The labels of every Namespace; returns the Services waiting for an address (a selector may match now). */
    public Set<ServiceRef> namespaces(Map<String, Map<String, String>> labels) {
        if (labels.equals(namespaceLabels)) {
            return Set.of();
        }
        namespaceLabels = Map.copyOf(labels);
        allocator.setNamespaceLabels(namespaceLabels);
        return Set.copyOf(waiting);
    }

    /** The status of every VipPool object: health, and the counts of those in use. */
    public List<PoolStatus> poolStatuses() {
        Map<String, Map<IpFamily, PoolStatus.Counts>> counts = new HashMap<>();
        for (Allocator.PoolUsage u : allocator.usage()) {
            counts.computeIfAbsent(u.pool(), k -> new EnumMap<>(IpFamily.class))
                    .put(u.family(), new PoolStatus.Counts(u.size(), u.inUse(), u.size().subtract(BigInteger.valueOf(u.inUse()))));
        }
        List<PoolStatus> out = new ArrayList<>();
        for (PoolObject o : objects) {
            PoolStatus.Health h = health.get(o.name());
            Map<IpFamily, PoolStatus.Counts> c = counts.get(o.name());
            if (h != PoolStatus.Health.READY || c == null) {
                c = new EnumMap<>(IpFamily.class);
                if (o.spec() != null) {
                    for (IpFamily f : IpFamily.values()) {
                        if (o.spec().pool().has(f)) {
                            c.put(f, new PoolStatus.Counts(o.spec().pool().size(f), 0, BigInteger.ZERO));
                        }
                    }
                }
            }
            out.add(new PoolStatus(o.name(), h, healthMessage.get(o.name()), o.spec() == null ? "" : o.spec().summary(), c));
        }
        return out;
    }

    /** The placements of the pool objects in use (the VIP ConfigMap's pool-placement annotation; defaults included). */
    public List<PoolPlacement> placements() {
        return specs.values().stream().map(VipPoolSpec::placement).toList();
    }

    /** Pool sizes and use, for metrics. */
    public List<Allocator.PoolUsage> usage() {
        return allocator.usage();
    }

    /**
     * Forgets everything and restores what every Service's status says it holds, without moving anything.
     * {@code oldestFirst}: every Service, oldest first (the oldest claim wins a conflict).
     */
    public Rebuilt rebuild(List<ServiceView> oldestFirst) {
        Allocator fresh = new Allocator(pools);
        fresh.setNamespaceLabels(namespaceLabels);
        methods.clear();
        annotated.clear();
        fingerprints.clear();
        waiting.clear();
        created.clear();
        evicted.clear();
        List<ServiceEvent> events = new ArrayList<>();
        int restored = 0;
        for (ServiceView v : oldestFirst) {
            if (v.serving() != ServiceView.Serving.SERVED) {
                continue;
            }
            fingerprints.put(v.ref(), v.fingerprint());
            annotated.put(v.ref(), v.method());
            methods.put(v.ref(), methodOf(v, v.status().isEmpty() ? null : poolOf(fresh, v.status().get(0))));
            created.put(v.ref(), v.created());
            if (v.status().isEmpty()) {
                continue;
            }
            Optional<String> refused = v.status().stream().map(a -> SpecialAddress.refusal(a, nodes)).flatMap(Optional::stream).findFirst();
            if (refused.isPresent()) {
                events.add(new ServiceEvent.AddressConflict(v.ref(), v.status(), refused.get()));
                continue;
            }
            AllocationResult r = fresh.restore(restoreRequest(v), v.status());
            if (r instanceof AllocationResult.Failure f) {
                events.add(new ServiceEvent.AddressConflict(v.ref(), v.status(), f.message()));
            } else {
                restored++;
            }
        }
        allocator = fresh;
        applyReserved();
        return new Rebuilt(events, restored);
    }

    private static AllocationRequest restoreRequest(ServiceView v) {
        if (v.request() != null) {
            return v.request().keepingOutsidePools(true);
        }
        List<IpFamily> families = v.status().stream().map(IpAddress::family).distinct().toList();
        return new AllocationRequest(v.ref(), families, families.size() > 1 ? FamilyPolicy.PREFER_DUAL_STACK : FamilyPolicy.SINGLE_STACK,
                List.of(), null, null, Set.of(), true);
    }

    /**
     * Entries in the VIP ConfigMap that the controller did not write take their address out of the allocator's
     * hands, unless they name exactly the Services that hold it (then they are taken over). Returns the Services that
     * held an address that is now reserved: they must move.
     *
     * @param data  the ConfigMap's data, or null when there is none
     * @param owned the keys the controller wrote (its annotation)
     */
    public Set<ServiceRef> reserve(Map<String, String> data, Set<String> owned) {
        Set<ServiceRef> affected = new TreeSet<>();
        if (data == null) {
            foreign = List.of();
            applyReserved();
            return affected;
        }
        List<IpAddress> reserved = new ArrayList<>();
        for (Map.Entry<String, String> e : data.entrySet()) {
            IpAddress a = VipConfigMapCodec.decodeKey(e.getKey());
            if (a == null || owned.contains(e.getKey())) {
                continue; // garbage keys are left alone; our own keys are ours to rewrite
            }
            Set<ServiceRef> holders = allocator.holdersOf(a);
            if (!holders.isEmpty() && ConfigMapMerge.sameServices(e.getValue(), entryFor(a, holders))) {
                continue;
            }
            reserved.add(a);
            affected.addAll(holders);
        }
        foreign = List.copyOf(reserved);
        applyReserved();
        return affected;
    }

    /**
     * The addresses of the Nodes (address → Node name): no Service may hold one, requested or from a pool. Returns the
     * Services that held one: they must move.
     */
    public Set<ServiceRef> nodes(Map<IpAddress, String> nodeAddresses) {
        if (nodeAddresses.equals(nodes)) {
            return Set.of();
        }
        nodes = Map.copyOf(nodeAddresses);
        applyReserved();
        Set<ServiceRef> affected = new TreeSet<>();
        nodes.keySet().forEach(a -> affected.addAll(allocator.holdersOf(a)));
        return affected;
    }

    private void applyReserved() {
        Set<IpAddress> all = new HashSet<>(foreign);
        all.addAll(nodes.keySet());
        allocator.setReserved(all);
    }

    /**
     * Decides for each changed Service, in order. {@code present}: the views of those that exist; a Service of
     * {@code changed} without one was deleted.
     */
    public Decision decide(List<ServiceRef> changed, Map<ServiceRef, ServiceView> present) {
        freed = false;
        List<ServiceDecision> out = new ArrayList<>();
        for (ServiceRef ref : changed) {
            out.add(decideOne(ref, present.get(ref)));
        }
        Set<ServiceRef> wake = new TreeSet<>(evicted);
        if (freed) {
            wake.addAll(waiting);
        }
        return new Decision(out, wake, table());
    }

    private ServiceDecision decideOne(ServiceRef ref, ServiceView v) {
        waiting.remove(ref);
        if (v == null) {
            boolean released = allocator.release(ref);
            freed |= released;
            methods.remove(ref);
            annotated.remove(ref);
            fingerprints.remove(ref);
            created.remove(ref);
            evicted.remove(ref);
            return new ServiceDecision.Forgotten(ref, released);
        }
        if (v.serving() != ServiceView.Serving.SERVED) {
            return release(v);
        }
        boolean unchanged = v.fingerprint().equals(fingerprints.put(ref, v.fingerprint()));
        List<ServiceEvent> events = new ArrayList<>();
        ForwardMethod method = methodOf(v, allocator.allocationOf(ref).map(Allocation::primaryPool).orElse(null));
        methods.put(ref, method);
        annotated.put(ref, v.method());
        if (v.methodProblem() != null) {
            events.add(new ServiceEvent.InvalidForwardMethod(ref, v.methodProblem(), method));
        }
        if (v.invalid() != null) {
            events.add(new ServiceEvent.AllocationFailed(ref, AllocationResult.Reason.ADDRESS_INVALID, v.invalid()));
            return new ServiceDecision.Refused(ref, events, false);
        }
        Optional<String> hostile = refusal(v.request());
        if (hostile.isPresent()) {
            // an address no Service may hold (or one outside the pools without the switch): nothing is kept either
            events.add(new ServiceEvent.AllocationFailed(ref, AllocationResult.Reason.ADDRESS_INVALID, hostile.get()));
            freed |= allocator.release(ref);
            return new ServiceDecision.Refused(ref, events, v.ingressCount() > 0);
        }
        AllocationRequest request = v.request().keepingOutsidePools(unchanged);
        created.put(ref, v.created());
        boolean lostShared = evicted.remove(ref) | settleSharing(request, v.created());
        List<IpAddress> before = allocator.allocationOf(ref).map(Allocation::ips).orElse(List.of());
        AllocationResult result = allocator.assign(request);
        if (result instanceof AllocationResult.Failure f) {
            waiting.add(ref);
            events.add(new ServiceEvent.AllocationFailed(ref, f.reason(), f.message()));
            // a Service that lost a shared address must not keep naming it (its traffic would go to the other's pods)
            return new ServiceDecision.Refused(ref, events, lostShared && v.ingressCount() > 0);
        }
        AllocationResult.Success success = (AllocationResult.Success) result;
        if (success.changed() && !before.isEmpty()) {
            freed = true;
        }
        Allocation allocation = success.allocation();
        methods.put(ref, methodOf(v, allocation.primaryPool()));
        List<IpAddress> outside = new ArrayList<>();
        for (Allocation.Assigned a : allocation.addresses()) {
            if (a.pool() == null && !request.requested().contains(a.address())) {
                events.add(new ServiceEvent.AddressOutsidePools(ref, a.address()));
                outside.add(a.address());
            }
        }
        List<IpAddress> ips = allocation.ips();
        boolean writeStatus = !ips.equals(v.status()) || v.ingressCount() != ips.size();
        // the condition flips (set, or cleared where the status says True): a status write even if the addresses stay;
        // a Service that never held an address outside the pools gets no condition (one status write per allocation)
        OutsidePoolsCondition condition = new OutsidePoolsCondition(outside);
        boolean conditionChanged = condition.isTrue() != v.outsideFlagged();
        return new ServiceDecision.Holds(ref, allocation, before, writeStatus, events, condition, conditionChanged);
    }

    /**
     * An edit can make Services that share an address clash (a port both use now, or another sharing key). The newer
     * loses the address: when that is this Service, it releases what it holds (and asks again, as at allocation);
     * when it is another, that one is released and looked at next. Returns true when this Service lost.
     */
    private boolean settleSharing(AllocationRequest request, String createdAt) {
        ServiceRef ref = request.service();
        Allocation held = allocator.allocationOf(ref).orElse(null);
        if (held == null) {
            return false;
        }
        Set<ServiceRef> clash = new TreeSet<>();
        held.ips().forEach(a -> clash.addAll(allocator.blockers(a, request)));
        if (clash.isEmpty()) {
            return false;
        }
        if (clash.stream().anyMatch(o -> older(o, ref, createdAt))) {
            allocator.release(ref);
            freed = true;
            return true;
        }
        for (ServiceRef newer : clash) {
            allocator.release(newer);
            evicted.add(newer);
        }
        return false;
    }

    /** Whether {@code other} was created before {@code ref} (the name decides a tie, so exactly one of two is older). */
    private boolean older(ServiceRef other, ServiceRef ref, String refCreated) {
        int c = created.getOrDefault(other, "").compareTo(refCreated);
        return c != 0 ? c < 0 : other.compareTo(ref) < 0;
    }

    /** Why a requested address may not be granted, whoever holds it, or empty. */
    private Optional<String> refusal(AllocationRequest r) {
        for (IpAddress a : r.requested()) {
            Optional<String> special = SpecialAddress.refusal(a, nodes);
            if (special.isPresent()) {
                return special;
            }
            if (!policy.allowRequestedOutsidePools() && allocator.poolOf(a).isEmpty()) {
                return Optional.of("requested address " + a + " is in no pool (granted only with --allow-requested-outside-pools)");
            }
        }
        return Optional.empty();
    }

    private ServiceDecision release(ServiceView v) {
        ServiceRef ref = v.ref();
        methods.remove(ref);
        annotated.remove(ref);
        fingerprints.remove(ref);
        created.remove(ref);
        evicted.remove(ref);
        List<IpAddress> had = allocator.allocationOf(ref).map(Allocation::ips).orElse(List.of());
        if (!allocator.release(ref)) {
            return new ServiceDecision.Forgotten(ref, false);
        }
        freed = true;
        boolean notLoadBalancer = v.serving() == ServiceView.Serving.NOT_LOAD_BALANCER;
        String why = notLoadBalancer ? "it is no longer of type LoadBalancer" : "its load balancer class is not " + policy.loadBalancerClass();
        return new ServiceDecision.Released(ref, List.of(new ServiceEvent.IpReleased(ref, had, why)), notLoadBalancer && v.ingressCount() > 0);
    }

    /** The Service's annotation, else the default of the pool its primary address is from, else the controller's default. */
    private ForwardMethod methodOf(ServiceView v, String pool) {
        if (v.method() != null) {
            return v.method();
        }
        VipPoolSpec spec = pool == null ? null : specs.get(pool);
        return spec != null && spec.forwardMethod() != null ? spec.forwardMethod() : policy.defaultMethod();
    }

    private static String poolOf(Allocator a, IpAddress ip) {
        return a.poolOf(ip).map(AddressPool::name).orElse(null);
    }

    /** The VIP table the held addresses make: each address with its holders and their forward methods. */
    public VipTable table() {
        Map<IpAddress, VipEntry> out = new TreeMap<>();
        allocator.holdings().forEach((a, holders) -> out.put(a, entryFor(a, holders)));
        return new VipTable(out);
    }

    private VipEntry entryFor(IpAddress a, Set<ServiceRef> holders) {
        List<VipTarget> targets = new ArrayList<>();
        for (ServiceRef h : holders) {
            targets.add(new VipTarget(h, methods.getOrDefault(h, policy.defaultMethod())));
        }
        return new VipEntry(a, targets);
    }
}
