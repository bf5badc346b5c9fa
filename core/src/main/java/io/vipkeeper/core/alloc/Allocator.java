package io.vipkeeper.core.alloc;

import io.vipkeeper.core.alloc.AllocationResult.Failure;
import io.vipkeeper.core.alloc.AllocationResult.Reason;
import io.vipkeeper.core.alloc.AllocationResult.Success;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import io.vipkeeper.core.net.IpRange;
import io.vipkeeper.core.pool.AddressPool;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * Which Service holds which address. Pure and single-threaded: the controller owns one instance,
 * rebuilds it from every Service's status before allocating anything, and asks it for each Service.
 *
 * <p>Rules: an address is held by one Service, or by several that carry the same sharing key and whose
 * ports do not clash; reserved addresses (hand-written VIP ConfigMap entries) are never given out;
 * automatic assignment takes the lowest free address of the first pool that fits; a Service keeps what
 * it holds as long as that still satisfies its request.
 */
public final class Allocator {

    private final List<PoolState> pools = new ArrayList<>();
    private final Map<String, PoolState> poolsByName = new HashMap<>();
    private final Map<IpAddress, Holding> holdings = new HashMap<>();
    private final Map<ServiceRef, Allocation> byService = new HashMap<>();
    private final Map<String, Set<IpAddress>> bySharingKey = new HashMap<>();
    private Set<IpAddress> reserved = Set.of();
    /** Labels of each Namespace (for a pool's namespaceSelector); a namespace not known has none. */
    private Map<String, Map<String, String>> namespaceLabels = Map.of();

    /** Pools are tried in priority order (lower first), those without one after, in the order given. */
    public Allocator(List<AddressPool> pools) {
        setPools(pools);
    }

    private void setPools(List<AddressPool> given) {
        AddressPool.requireDisjoint(given);
        List<AddressPool> ordered = new ArrayList<>(given);
        ordered.sort(Comparator.comparing(AddressPool::priority, Comparator.nullsLast(Comparator.naturalOrder())));
        pools.clear();
        poolsByName.clear();
        for (AddressPool p : ordered) {
            PoolState s = new PoolState(p);
            pools.add(s);
            poolsByName.put(p.name(), s);
        }
    }

    /**
     * Replaces the pools (a pool object was created, edited or deleted) without moving anything: every Service keeps
     * what it holds, its pool recorded anew (null: the address is in no pool now). Returns the Services whose
     * addresses changed pool (left every pool, or moved into another): they are to be looked at again.
     */
    public Set<ServiceRef> replacePools(List<AddressPool> next) {
        setPools(next);
        for (IpAddress a : holdings.keySet()) {
            markUsed(a);
        }
        for (IpAddress a : reserved) {
            if (!holdings.containsKey(a)) {
                markUsed(a);
            }
        }
        Set<ServiceRef> moved = new TreeSet<>();
        for (Map.Entry<ServiceRef, Allocation> e : byService.entrySet()) {
            List<Allocation.Assigned> now = new ArrayList<>();
            for (Allocation.Assigned x : e.getValue().addresses()) {
                PoolState s = stateOf(x.address());
                now.add(new Allocation.Assigned(x.address(), s == null ? null : s.pool.name()));
            }
            Allocation updated = new Allocation(now);
            if (!updated.equals(e.getValue())) {
                e.setValue(updated);
                moved.add(e.getKey());
            }
        }
        return moved;
    }

    /** The labels of every Namespace (namespace → labels), for pools with a namespaceSelector. */
    public void setNamespaceLabels(Map<String, Map<String, String>> labels) {
        namespaceLabels = Map.copyOf(labels);
    }

    private boolean allows(PoolState s, AllocationRequest r) {
        String ns = r.service().namespace();
        return s.pool.allows(ns, namespaceLabels.getOrDefault(ns, Map.of()), r.labels());
    }

    public List<AddressPool> pools() {
        return pools.stream().map(s -> s.pool).toList();
    }

    /** Sets the addresses nobody may get (hand-written ConfigMap entries). */
    public void setReserved(Collection<IpAddress> addresses) {
        Set<IpAddress> next = Set.copyOf(addresses);
        Set<IpAddress> before = reserved;
        reserved = next;
        for (IpAddress a : before) {
            if (!next.contains(a) && !holdings.containsKey(a)) {
                markUnused(a);
            }
        }
        for (IpAddress a : next) {
            if (!before.contains(a) && !holdings.containsKey(a)) {
                markUsed(a);
            }
        }
    }

    public boolean isReserved(IpAddress a) {
        return reserved.contains(a);
    }

    public Optional<Allocation> allocationOf(ServiceRef s) {
        return Optional.ofNullable(byService.get(s));
    }

    public Set<ServiceRef> holdersOf(IpAddress a) {
        Holding h = holdings.get(a);
        return h == null ? Set.of() : Collections.unmodifiableSet(new TreeSet<>(h.ports.keySet()));
    }

    /**
     * The other holders of {@code a} that keep the Service of {@code r} from holding it with {@code r}'s ports and
     * sharing key (a port both use, or another key); empty when nothing of the kind does.
     */
    public Set<ServiceRef> blockers(IpAddress a, AllocationRequest r) {
        Holding h = holdings.get(a);
        Set<ServiceRef> out = new TreeSet<>();
        if (h == null) {
            return out;
        }
        boolean sameKey = r.sharingKey() != null && r.sharingKey().equals(h.sharingKey);
        for (Map.Entry<ServiceRef, Set<PortKey>> e : h.ports.entrySet()) {
            if (e.getKey().equals(r.service())) {
                continue;
            }
            if (!sameKey || e.getValue().stream().anyMatch(r.ports()::contains)) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Every held address with its holders, in address order (the source of the VIP table). */
    public Map<IpAddress, Set<ServiceRef>> holdings() {
        Map<IpAddress, Set<ServiceRef>> out = new TreeMap<>();
        holdings.forEach((a, h) -> out.put(a, Collections.unmodifiableSet(new TreeSet<>(h.ports.keySet()))));
        return out;
    }

    public Optional<AddressPool> poolOf(IpAddress a) {
        PoolState s = stateOf(a);
        return s == null ? Optional.empty() : Optional.of(s.pool);
    }

    /**
     * Restores what a Service held before (from its status) without moving it: each address is claimed as if
     * requested. Fails, claiming nothing, when an address is reserved or held by an incompatible Service.
     */
    public AllocationResult restore(AllocationRequest r, List<IpAddress> current) {
        release(r.service());
        List<Allocation.Assigned> picked = new ArrayList<>();
        for (IpAddress a : current) {
            Failure f = checkHold(a, r);
            if (f != null) {
                return f;
            }
            PoolState s = stateOf(a);
            picked.add(new Allocation.Assigned(a, s == null ? null : s.pool.name()));
        }
        commit(r, new Allocation(picked));
        return new Success(byService.get(r.service()), false);
    }

    /**
     * Gives the Service what it asks for: what it holds when that still fits, else new addresses.
     * On failure the Service keeps what it held.
     */
    public AllocationResult assign(AllocationRequest r) {
        Allocation existing = byService.get(r.service());
        List<Allocation.Assigned> kept = new ArrayList<>();
        if (existing != null) {
            for (Allocation.Assigned a : existing.addresses()) {
                if (stillFits(a, r)) {
                    kept.add(a);
                }
            }
        }
        Map<IpFamily, Allocation.Assigned> byFamily = new EnumMap<>(IpFamily.class);
        for (Allocation.Assigned a : kept) {
            byFamily.putIfAbsent(a.address().family(), a);
        }
        for (IpAddress a : r.requested()) {
            if (!r.wanted().contains(a.family())) {
                return new Failure(Reason.ADDRESS_INVALID, "requested address " + a + " is " + a.family()
                        + " but the Service asks for " + r.wanted());
            }
        }
        List<Allocation.Assigned> picked = new ArrayList<>();
        Failure firstFailure = null;
        Set<IpAddress> pickedNow = new HashSet<>();
        for (IpFamily f : r.wanted()) {
            Allocation.Assigned have = byFamily.get(f);
            if (have != null) {
                picked.add(have);
                continue;
            }
            Object choice = pick(r, f, pickedNow);
            if (choice instanceof Failure failure) {
                if (r.policy() != FamilyPolicy.PREFER_DUAL_STACK || f == r.families().get(0) && r.requestedFor(f) != null) {
                    return failure;
                }
                if (firstFailure == null) {
                    firstFailure = failure;
                }
                continue;
            }
            Allocation.Assigned a = (Allocation.Assigned) choice;
            pickedNow.add(a.address());
            picked.add(a);
        }
        if (picked.isEmpty()) {
            return firstFailure != null ? firstFailure : new Failure(Reason.NO_POOL, "no address family to assign");
        }
        Allocation next = new Allocation(picked);
        boolean changed = existing == null || !existing.equals(next);
        commit(r, next);
        return new Success(next, changed);
    }

    /** Frees everything the Service holds; true when it held something. */
    public boolean release(ServiceRef service) {
        Allocation a = byService.remove(service);
        if (a == null) {
            return false;
        }
        for (Allocation.Assigned x : a.addresses()) {
            Holding h = holdings.get(x.address());
            if (h == null) {
                continue;
            }
            h.ports.remove(service);
            if (h.ports.isEmpty()) {
                holdings.remove(x.address());
                if (h.sharingKey != null) {
                    Set<IpAddress> shared = bySharingKey.get(h.sharingKey);
                    shared.remove(x.address());
                    if (shared.isEmpty()) {
                        bySharingKey.remove(h.sharingKey);
                    }
                }
                if (!reserved.contains(x.address())) {
                    markUnused(x.address());
                }
            }
        }
        return true;
    }

    /** Size and use of each pool per family, for metrics. */
    public List<PoolUsage> usage() {
        List<PoolUsage> out = new ArrayList<>();
        for (PoolState s : pools) {
            for (IpFamily f : IpFamily.values()) {
                if (s.pool.has(f)) {
                    out.add(new PoolUsage(s.pool.name(), f, s.pool.size(f), s.inUse.get(f)));
                }
            }
        }
        return out;
    }

    public record PoolUsage(String pool, IpFamily family, BigInteger size, long inUse) {
    }

    // ---- internals

    private boolean stillFits(Allocation.Assigned a, AllocationRequest r) {
        IpAddress ip = a.address();
        if (!r.wanted().contains(ip.family())) {
            return false;
        }
        IpAddress requested = r.requestedFor(ip.family());
        if (requested != null) {
            return requested.equals(ip) && checkHold(ip, r) == null;
        }
        if (!r.requested().isEmpty() && r.policy() == FamilyPolicy.SINGLE_STACK) {
            return false;
        }
        PoolState s = stateOf(ip);
        if (s == null) {
            return r.keepOutsidePools() && checkHold(ip, r) == null;
        }
        if (r.pool() != null && !r.pool().equals(s.pool.name())) {
            return false;
        }
        if (!allows(s, r)) {
            return r.keepOutsidePools() && checkHold(ip, r) == null;
        }
        return checkHold(ip, r) == null;
    }

    /** Returns an Allocation.Assigned, or a Failure. */
    private Object pick(AllocationRequest r, IpFamily f, Set<IpAddress> pickedNow) {
        String ns = r.service().namespace();
        IpAddress requested = r.requestedFor(f);
        if (requested != null) {
            PoolState s = stateOf(requested);
            if (s != null && !allows(s, r)) {
                return new Failure(Reason.ADDRESS_INVALID, "requested address " + requested + " is in pool " + s.pool.name()
                        + ", which does not allow " + (s.pool.allows(ns) ? "this Service (its namespace or service selector)" : "namespace " + ns));
            }
            if (r.pool() != null && (s == null || !s.pool.name().equals(r.pool()))) {
                return new Failure(Reason.ADDRESS_INVALID, "requested address " + requested + " is not in pool " + r.pool());
            }
            Failure f2 = checkHold(requested, r);
            return f2 != null ? f2 : new Allocation.Assigned(requested, s == null ? null : s.pool.name());
        }
        List<PoolState> candidates = new ArrayList<>();
        if (r.pool() != null) {
            PoolState s = poolsByName.get(r.pool());
            if (s == null) {
                return new Failure(Reason.ADDRESS_INVALID, "no pool named " + r.pool());
            }
            if (!allows(s, r)) {
                return new Failure(Reason.NO_POOL, "pool " + r.pool() + " does not allow " + (s.pool.allows(ns)
                        ? "this Service (its namespace or service selector)" : "namespace " + ns));
            }
            if (!s.pool.has(f)) {
                return new Failure(Reason.NO_POOL, "pool " + r.pool() + " has no " + f + " addresses");
            }
            candidates.add(s);
        } else {
            for (PoolState s : pools) {
                if (s.pool.autoAssign() && allows(s, r) && s.pool.has(f)) {
                    candidates.add(s);
                }
            }
            if (candidates.isEmpty()) {
                return new Failure(Reason.NO_POOL, "no pool with " + f + " addresses is open to namespace " + ns
                        + " for automatic assignment");
            }
        }
        // a sharing Service joins an address its key already uses when the ports allow it
        if (r.sharingKey() != null) {
            for (IpAddress a : new TreeSet<>(bySharingKey.getOrDefault(r.sharingKey(), Set.of()))) {
                PoolState s = stateOf(a);
                if (a.family() == f && s != null && candidates.contains(s) && checkHold(a, r) == null) {
                    return new Allocation.Assigned(a, s.pool.name());
                }
            }
        }
        for (PoolState s : candidates) {
            IpAddress a = s.free.get(f).lowest();
            if (a != null && !pickedNow.contains(a)) {
                return new Allocation.Assigned(a, s.pool.name());
            }
        }
        return new Failure(Reason.POOL_EXHAUSTED, (r.pool() != null ? "pool " + r.pool() : "every pool open to namespace " + ns)
                + " has no free " + f + " address");
    }

    /** Null when the Service may hold the address, else why not. */
    private Failure checkHold(IpAddress a, AllocationRequest r) {
        if (reserved.contains(a)) {
            return new Failure(Reason.ADDRESS_TAKEN, "address " + a + " is taken by a hand-written VIP ConfigMap entry");
        }
        Holding h = holdings.get(a);
        if (h == null || h.ports.keySet().equals(Set.of(r.service()))) {
            return null;
        }
        List<ServiceRef> others = new ArrayList<>(new TreeSet<>(h.ports.keySet()));
        others.remove(r.service());
        if (r.sharingKey() == null || !r.sharingKey().equals(h.sharingKey)) {
            return new Failure(Reason.ADDRESS_TAKEN, "address " + a + " is held by " + others.get(0)
                    + (h.sharingKey == null ? "" : " (they share it only with Services carrying the same allow-shared-ip key)"));
        }
        for (Map.Entry<ServiceRef, Set<PortKey>> e : h.ports.entrySet()) {
            if (e.getKey().equals(r.service())) {
                continue;
            }
            for (PortKey p : r.ports()) {
                if (e.getValue().contains(p)) {
                    return new Failure(Reason.ADDRESS_TAKEN, "address " + a + " is shared with " + e.getKey()
                            + ", which already uses port " + p);
                }
            }
        }
        return null;
    }

    private void commit(AllocationRequest r, Allocation next) {
        release(r.service());
        for (Allocation.Assigned x : next.addresses()) {
            Holding h = holdings.get(x.address());
            if (h == null) {
                h = new Holding(r.sharingKey());
                holdings.put(x.address(), h);
                if (!reserved.contains(x.address())) {
                    markUsed(x.address());
                }
                if (r.sharingKey() != null) {
                    bySharingKey.computeIfAbsent(r.sharingKey(), k -> new HashSet<>()).add(x.address());
                }
            }
            h.ports.put(r.service(), r.ports());
        }
        byService.put(r.service(), next);
    }

    private PoolState stateOf(IpAddress a) {
        for (PoolState s : pools) {
            if (s.pool.contains(a)) {
                return s;
            }
        }
        return null;
    }

    private void markUsed(IpAddress a) {
        PoolState s = stateOf(a);
        if (s != null) {
            s.free.get(a.family()).remove(a);
            s.inUse.merge(a.family(), 1L, Long::sum);
        }
    }

    private void markUnused(IpAddress a) {
        PoolState s = stateOf(a);
        if (s != null) {
            if (s.pool.assignable(a)) {
                s.free.get(a.family()).add(a);
            }
            s.inUse.merge(a.family(), -1L, Long::sum);
        }
    }

    private static final class Holding {
        final String sharingKey;
        final Map<ServiceRef, Set<PortKey>> ports = new HashMap<>();

        Holding(String sharingKey) {
            this.sharingKey = sharingKey;
        }
    }

    private static final class PoolState {
        final AddressPool pool;
        final Map<IpFamily, FreeList> free = new EnumMap<>(IpFamily.class);
        final Map<IpFamily, Long> inUse = new EnumMap<>(IpFamily.class);

        PoolState(AddressPool pool) {
            this.pool = pool;
            for (IpFamily f : IpFamily.values()) {
                free.put(f, new FreeList());
                inUse.put(f, 0L);
            }
            for (IpRange r : pool.ranges()) {
                addAssignable(free.get(r.family()), r);
            }
        }

        /** Adds the range, leaving out addresses automatic assignment must skip (.0 and .255 with avoid-buggy-ips). */
        private void addAssignable(FreeList list, IpRange r) {
            if (!(pool.avoidBuggyIps() && r.family() == IpFamily.IPv4)) {
                list.addRange(r.first(), r.last());
                return;
            }
            long a = r.first().lo();
            long end = r.last().lo();
            while (a <= end) {
                long blockEnd = Math.min(end, a | 0xff);
                long lo = Math.max(a, (a & ~0xffL) + 1);
                long hi = Math.min(blockEnd, (a & ~0xffL) + 254);
                if (lo <= hi) {
                    list.addRange(IpAddress.ipv4(lo), IpAddress.ipv4(hi));
                }
                a = blockEnd + 1;
            }
        }
    }
}
