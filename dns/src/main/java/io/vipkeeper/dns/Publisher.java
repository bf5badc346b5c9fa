package io.vipkeeper.dns;

import io.vipkeeper.core.dns.ClusterId;
import io.vipkeeper.core.dns.FederationMembers;
import io.vipkeeper.core.dns.FederationPlanner;
import io.vipkeeper.core.dns.Location;
import io.vipkeeper.core.dns.OwnedRecord;
import io.vipkeeper.core.dns.RecordDiff;
import io.vipkeeper.core.dns.RecordTable;
import io.vipkeeper.core.dns.Shard;
import io.vipkeeper.core.dns.SkyDns;
import io.vipkeeper.core.dns.StoredRecord;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the federation records of its clusters into etcd. Event-driven: any informer or etcd-view change
 * wakes one loop, which plans the whole record set (cheap, in memory), diffs it against what it wrote and
 * writes only the difference. Every key carries this publisher's lease, kept alive every third of its TTL:
 * if the publisher dies, etcd drops its records when the lease runs out. A new lease (start, or the old one
 * expired during an etcd outage) rewrites all own keys to it and deletes own keys no longer wanted.
 */
public final class Publisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);
    /** Collects a burst of informer events into one plan. */
    static final long DEBOUNCE_MILLIS = 10;
    private static final int MAX_REPORTED = 10_000;
    private static final String NOT_WRITTEN = "\0not written with this lease";

    public record Settings(FederationPlanner planner, SkyDns layout, long leaseTtlSeconds) {
    }

    private final Settings settings;
    private final List<ClusterSource> clusters;
    private final Set<ClusterId> owners = new HashSet<>();
    private final EtcdStore store;
    private final DnsMetrics metrics;
    private final EtcdView view;
    private final FederationMembers members;
    /** Member keys this publisher wrote that the view has not shown back yet (so one change is written once). */
    private final Map<ClusterId, Location> registering = new HashMap<>();
    private final Object lock = new Object();
    private boolean dirty;
    private long dirtySince;
    private volatile boolean closed;
    private volatile long lease;
    private final AtomicLong lostLease = new AtomicLong(-1);
    /** Keys written with the current lease and their values; null until a lease is held. */
    private Map<String, String> published;
    private final Set<ClusterId> adopted = new HashSet<>();
    private final Set<ClusterSource.Refusal> reported = ConcurrentHashMap.newKeySet();
    private final Map<ClusterId, String> unplaced = new ConcurrentHashMap<>();
    private volatile String lastEtcdProblem = "not connected yet";
    private final Thread loop;
    private final ScheduledExecutorService keepAlive;

    public Publisher(Settings settings, List<ClusterSource> clusters, EtcdStore store, DnsMetrics metrics) {
        this.settings = settings;
        this.clusters = List.copyOf(clusters);
        clusters.forEach(c -> owners.add(c.id()));
        this.store = store;
        this.metrics = metrics;
        String subtree = settings.layout().subtree(settings.planner().names().domain());
        this.members = new FederationMembers(settings.layout(), settings.planner().names());
        this.view = new EtcdView(store, subtree, new RecordTable(settings.layout()), List.of(members), this::signal,
                metrics.etcdErrors::inc);
        this.loop = new Thread(this::run, "dns-publisher");
        this.keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "etcd-lease-keepalive");
            t.setDaemon(true);
            return t;
        });
    }

    /** Wakes the loop; called from informer and watch threads. */
    public void signal() {
        synchronized (lock) {
            if (!dirty) {
                dirty = true;
                dirtySince = System.nanoTime();
            }
            lock.notifyAll();
        }
    }

    public Publisher start() {
        view.start();
        loop.start();
        long period = Math.max(1000, settings.leaseTtlSeconds() * 1000 / 3);
        keepAlive.scheduleWithFixedDelay(this::keepLeaseAlive, period, period, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Empty when fine, else what keeps records from being published (for /readyz). */
    public Optional<String> problem() {
        if (lease == 0 || lastEtcdProblem != null) {
            return Optional.of("etcd: " + (lastEtcdProblem == null ? "no lease yet" : lastEtcdProblem));
        }
        if (clusters.stream().noneMatch(ClusterSource::synced)) {
            return Optional.of("no cluster synced yet");
        }
        return Optional.empty();
    }

    /** The keys this publisher wrote with its current lease (a copy; for tests and benchmarks). */
    public Map<String, String> published() {
        synchronized (lock) {
            return published == null ? Map.of() : new TreeMap<>(published);
        }
    }

    private void keepLeaseAlive() {
        long l = lease;
        if (l == 0) {
            return;
        }
        try {
            if (store.keepAlive(l)) {
                lastEtcdProblem = null;
            } else {
                LOG.warn("etcd lease {} expired (etcd was unreachable for longer than {} s); rewriting records",
                        Long.toHexString(l), settings.leaseTtlSeconds());
                lostLease.set(l);
                signal();
            }
        } catch (RuntimeException e) {
            metrics.etcdErrors.inc();
            lastEtcdProblem = e.getMessage();
            LOG.warn("etcd lease keep-alive: {}", e.getMessage());
        }
    }

    private void run() {
        long backoff = 100;
        while (!closed) {
            long since;
            synchronized (lock) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (!dirty && !closed && System.nanoTime() < deadline) {
                    try {
                        lock.wait(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (!dirty || closed) {
                    continue;
                }
            }
            try {
                Thread.sleep(DEBOUNCE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (lock) {
                since = dirtySince;
                dirty = false;
            }
            try {
                reconcile(since);
                backoff = 100;
            } catch (RuntimeException e) {
                metrics.etcdErrors.inc();
                lastEtcdProblem = e.getMessage();
                if (String.valueOf(e.getMessage()).contains("lease not found")) {
                    lostLease.set(lease);
                }
                LOG.warn("publishing failed: {} (retrying in {} ms)", e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 2000);
                synchronized (lock) {
                    if (!dirty) {
                        dirty = true;
                        dirtySince = since;
                    }
                }
            }
        }
    }

    private void reconcile(long since) {
        if (!view.synced()) {
            return; // the view signals when its first listing is in
        }
        if (lease == 0 || lostLease.get() == lease) {
            long l = store.grantLease(settings.leaseTtlSeconds());
            synchronized (lock) {
                lease = l;
                published = new HashMap<>();
                adopted.clear();
            }
            LOG.info("holding etcd lease {} ({} s)", Long.toHexString(l), settings.leaseTtlSeconds());
        }
        lastEtcdProblem = null;
        List<Shard> shards = new ArrayList<>();
        Set<ClusterId> decided = new HashSet<>();
        Map<ClusterId, Location> placed = new TreeMap<>();
        int connected = 0;
        int skipped = 0;
        for (ClusterSource c : clusters) {
            if (!c.synced()) {
                continue; // its keys are left as they are until it is seen
            }
            connected++;
            decided.add(c.id());
            ClusterSource.Placement p = c.placement();
            if (p instanceof ClusterSource.Placed at) {
                if (unplaced.remove(c.id()) != null) {
                    LOG.info("cluster {}: location {} from {}", c.id(), at.location(), at.source());
                }
                placed.put(c.id(), at.location());
                shards.addAll(c.shards(at.location(), this::refuse));
            } else if (p instanceof ClusterSource.Unplaced u) {
                skipped++;
                if (!u.reason().equals(unplaced.put(c.id(), u.reason()))) {
                    LOG.warn("cluster {} (context {}) skipped: {}", c.id(), c.context(), u.reason());
                }
            }
        }
        metrics.clustersConnected.set(connected);
        metrics.clustersSkipped.set(skipped);
        // the federation's member locations: our placed clusters', and every other member registered in etcd (whether
        // its publisher runs or not). Our own clusters' registrations are left out: one not synced yet still has an
        // earlier run's records there, which the plan does not see as someone else's
        Set<Location> memberLocations = new LinkedHashSet<>(placed.values());
        members.all().stream().filter(m -> !owners.contains(m.cluster())).forEach(m -> memberLocations.add(m.location()));
        RecordTable table = view.table();
        List<OwnedRecord> plan = settings.planner().plan(shards, name -> table.othersAt(name, owners), memberLocations);
        List<OwnedRecord> collisions = new ArrayList<>();
        Map<String, String> desired = settings.layout().toKeyValues(plan, collisions);
        collisions.forEach(r -> refuse(new ClusterSource.Refusal(r.owner(), r.name().toString(), "key-collision: " + r.target().host())));
        Map<String, String> current;
        synchronized (lock) {
            current = new HashMap<>(published);
        }
        // clusters seen for the first time under this lease: their keys in etcd (an earlier run's) are ours to replace
        Set<ClusterId> adopting = new HashSet<>(decided);
        adopting.removeAll(adopted);
        if (!adopting.isEmpty()) {
            for (Map.Entry<String, StoredRecord> e : table.snapshot().entrySet()) {
                if (e.getValue().ownedBy(adopting) && settings.planner().names().covers(e.getValue().name())) {
                    current.putIfAbsent(e.getKey(), NOT_WRITTEN);
                }
            }
        }
        // keys of clusters not synced yet are neither written nor deleted: they are not in desired nor adopted
        RecordDiff diff = RecordDiff.between(current, desired);
        adopted.addAll(adopting);
        if (!diff.isEmpty()) {
            write(diff);
            double seconds = (System.nanoTime() - since) / 1e9;
            metrics.publishLatency.observe(seconds);
            LOG.debug("wrote {} puts, {} deletes in {} ms", diff.puts().size(), diff.deletes().size(), Math.round(seconds * 1000));
        }
        // after the records: the others see a new member only once its records are there (the watch keeps etcd's
        // order), so they do not write fallbacks at its names for the moment in between
        register(placed);
    }

    /**
     * Registers each placed cluster as a federation member at its location: a key without lease, so that when this
     * publisher stops for good the others still know which names to make fall back (see {@link FederationMembers}).
     * Written when etcd holds another location or none (also after a hand deletion while this publisher runs).
     */
    private void register(Map<ClusterId, Location> placed) {
        Map<String, String> puts = new TreeMap<>();
        Map<ClusterId, Location> writing = new HashMap<>();
        placed.forEach((id, location) -> {
            Optional<Location> stored = members.locationOf(id);
            if (stored.isPresent() && stored.get().equals(location)) {
                registering.remove(id);
            } else if (!location.equals(registering.get(id))) {
                puts.put(members.key(id), FederationMembers.value(location, settings.planner().ttl()));
                writing.put(id, location);
            }
        });
        if (!puts.isEmpty()) {
            store.apply(new RecordDiff(puts, Set.of()), 0); // lease 0: none
            registering.putAll(writing);
            metrics.etcdWrites.inc(puts.size());
            writing.forEach((id, location) -> LOG.info("cluster {} registered as a federation member at {}", id, location));
        }
    }

    private void write(RecordDiff diff) {
        List<Map.Entry<String, String>> ops = new ArrayList<>(diff.puts().entrySet());
        diff.deletes().forEach(k -> ops.add(new AbstractMap.SimpleEntry<>(k, null)));
        for (int i = 0; i < ops.size(); i += EtcdStore.MAX_TXN_OPS) {
            Map<String, String> puts = new TreeMap<>();
            Set<String> deletes = new HashSet<>();
            for (Map.Entry<String, String> op : ops.subList(i, Math.min(ops.size(), i + EtcdStore.MAX_TXN_OPS))) {
                if (op.getValue() == null) {
                    deletes.add(op.getKey());
                } else {
                    puts.put(op.getKey(), op.getValue());
                }
            }
            store.apply(new RecordDiff(puts, deletes), lease);
            // bookkeeping per batch: after a failure only the batches not written are retried
            synchronized (lock) {
                published.putAll(puts);
                deletes.forEach(published::remove);
                metrics.recordsPublished.set(published.size());
            }
            metrics.etcdWrites.inc(puts.size() + deletes.size());
        }
    }

    private void refuse(ClusterSource.Refusal r) {
        if (reported.size() > MAX_REPORTED) {
            reported.clear();
        }
        if (reported.add(r)) {
            String kind = r.reason().substring(0, Math.max(0, r.reason().indexOf(':')));
            metrics.refused.labelValues(kind.isEmpty() ? "other" : kind).inc();
            LOG.warn("cluster {}: {} not published: {}", r.cluster(), r.object(), r.reason());
        }
    }

    /** Stops publishing. The lease is not revoked: records stay until it runs out, so a restart does not blank the names. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        keepAlive.shutdownNow();
        loop.interrupt();
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        view.close();
    }
}
