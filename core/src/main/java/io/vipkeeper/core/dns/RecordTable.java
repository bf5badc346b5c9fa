package io.vipkeeper.core.dns;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory copy of the etcd records, kept up to date from a watch, so a DNS query or a plan never
 * reads etcd. Writers are serialized; readers never block and see, per name, either the old or the new
 * list of records. It also counts records below each name, to tell an empty non-terminal (NODATA) from a
 * name that does not exist (NXDOMAIN).
 */
public final class RecordTable implements EtcdMirror {

    private record Entry(String key, StoredRecord record) {
    }

    /** One generation of the table; a re-listing builds a new one and swaps it in, so readers never see it half empty. */
    private static final class State {
        final Map<String, StoredRecord> byKey = new HashMap<>();
        final ConcurrentHashMap<DnsName, List<Entry>> byName = new ConcurrentHashMap<>();
        final ConcurrentHashMap<DnsName, Integer> below = new ConcurrentHashMap<>();
    }

    private final SkyDns layout;
    private volatile State state = new State();

    public RecordTable(SkyDns layout) {
        this.layout = layout;
    }

    /** Applies one etcd event: a put ({@code value} not null) or a delete. Returns whether the records changed. */
    @Override
    public synchronized boolean apply(String key, String value) {
        return apply(state, key, value);
    }

    private boolean apply(State st, String key, String value) {
        StoredRecord old = st.byKey.remove(key);
        if (old != null) {
            remove(st, key, old);
        }
        Optional<StoredRecord> parsed = value == null ? Optional.empty() : layout.parse(key, value);
        if (parsed.isPresent()) {
            st.byKey.put(key, parsed.get());
            add(st, key, parsed.get());
        }
        return old != null ? !parsed.map(old::equals).orElse(false) : parsed.isPresent();
    }

    /** Replaces everything with {@code entries} (a fresh listing after the watch was lost), in one swap. */
    @Override
    public synchronized void reset(Map<String, String> entries) {
        State fresh = new State();
        entries.forEach((k, v) -> apply(fresh, k, v));
        state = fresh;
    }

    /** The records at exactly {@code name}. */
    public List<StoredRecord> at(DnsName name) {
        List<Entry> entries = state.byName.get(name);
        if (entries == null) {
            return List.of();
        }
        List<StoredRecord> out = new ArrayList<>(entries.size());
        entries.forEach(e -> out.add(e.record()));
        return out;
    }

    /** True when {@code name} holds records or has records below it. */
    public boolean exists(DnsName name) {
        State st = state;
        return st.byName.containsKey(name) || st.below.containsKey(name);
    }

    public synchronized int size() {
        return state.byKey.size();
    }

    /** A copy of all keys and records (for listing, tests and the publisher's view of its own keys). */
    public synchronized Map<String, StoredRecord> snapshot() {
        return new HashMap<>(state.byKey);
    }

    private static void add(State st, String key, StoredRecord r) {
        st.byName.compute(r.name(), (n, list) -> {
            List<Entry> l = list == null ? new ArrayList<>(1) : new ArrayList<>(list);
            l.add(new Entry(key, r));
            return List.copyOf(l);
        });
        for (DnsName n = r.name(); !n.isRoot(); ) {
            n = n.parent();
            st.below.merge(n, 1, Integer::sum);
        }
    }

    private static void remove(State st, String key, StoredRecord r) {
        st.byName.computeIfPresent(r.name(), (n, list) -> {
            List<Entry> l = new ArrayList<>(list);
            l.removeIf(e -> e.key().equals(key));
            return l.isEmpty() ? null : List.copyOf(l);
        });
        for (DnsName n = r.name(); !n.isRoot(); ) {
            n = n.parent();
            st.below.computeIfPresent(n, (k, c) -> c <= 1 ? null : c - 1);
        }
    }

    /** The targets at {@code name} whose owner is not in {@code owners} (the planner's view of other publishers). */
    public Collection<Target> othersAt(DnsName name, Set<ClusterId> owners) {
        List<Target> out = new ArrayList<>();
        for (StoredRecord r : at(name)) {
            if (!r.ownedBy(owners)) {
                out.add(r.target());
            }
        }
        return out;
    }
}
