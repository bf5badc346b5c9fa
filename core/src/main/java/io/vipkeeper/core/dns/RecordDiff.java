package io.vipkeeper.core.dns;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What to write to go from {@code current} to {@code desired} (both key to JSON): puts of new or changed
 * values, deletes of keys no longer wanted. Unchanged keys are not touched, so a steady state writes nothing
 * (ExternalDNS #5340: rewriting unchanged keys filled etcd's history).
 */
public record RecordDiff(Map<String, String> puts, Set<String> deletes) {

    public RecordDiff {
        puts = Collections.unmodifiableMap(new TreeMap<>(puts));
        deletes = Collections.unmodifiableSet(new TreeSet<>(deletes));
    }

    public static RecordDiff between(Map<String, String> current, Map<String, String> desired) {
        Map<String, String> puts = new TreeMap<>();
        Set<String> deletes = new TreeSet<>();
        desired.forEach((k, v) -> {
            if (!v.equals(current.get(k))) {
                puts.put(k, v);
            }
        });
        for (String k : current.keySet()) {
            if (!desired.containsKey(k)) {
                deletes.add(k);
            }
        }
        return new RecordDiff(puts, deletes);
    }

    public boolean isEmpty() {
        return puts.isEmpty() && deletes.isEmpty();
    }

    public int size() {
        return puts.size() + deletes.size();
    }
}
