package io.vipkeeper.lab;

import io.vipkeeper.core.InvalidInputException;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The invariants a chaos run samples (pure: views in, breaches out), and the {@link Tracker} that makes a breach a
 * violation once it has lasted longer than its invariant allows: some states are briefly untrue by design (a new
 * Service has no address until a leader allocates one; after the leader is killed, nobody writes until its lease
 * runs out), others never may be (two Services on one address).
 */
final class ChaosInvariants {

    private ChaosInvariants() {
    }

    /** A Service as the invariants see it: its addresses and its sharing key (annotation), if any. */
    record Svc(String ref, List<String> addresses, String shareKey) {
        Svc {
            addresses = List.copyOf(addresses);
        }
    }

    /** What the API server holds: the Services, the VIP ConfigMap's data and the keys the controller owns in it. */
    record ApiView(List<Svc> services, Map<String, String> vipData, Set<String> owned) {
    }

    /** A state that is untrue now: which invariant, about what (a Service, an address), and how. */
    record Breach(String invariant, String subject, String detail) {
        String key() {
            return invariant + " " + subject;
        }
    }

    /** A breach that lasted longer than its invariant allows: since when (epoch µs), confirmed when. */
    record Violation(long sinceMicros, long confirmedMicros, Breach breach) {
    }

    static final String NO_ADDRESS = "no-address";
    static final String SHARED_ADDRESS = "address-held-twice";
    static final String CONFIGMAP_MISSING = "configmap-missing";
    static final String GHOST = "ghost-entry";
    static final String LEADERS = "two-leaders";
    static final String HOLDERS = "vip-holders";
    static final String NO_LEADER = "no-leader";

    /**
     * How long each invariant may be untrue. 30 s: a SIGKILLed leader's lease (15 s) runs out, a new one rebuilds and
     * writes, with an API outage of up to 6 s in between; never for two Services on one address; a second for two
     * leaders (the two replicas are read one after the other); 3 s for the VIP holders, which are only checked once the
     * lab has settled after a fault.
     */
    static final Map<String, Duration> GRACE = Map.of(NO_ADDRESS, Duration.ofSeconds(30), SHARED_ADDRESS, Duration.ZERO,
            CONFIGMAP_MISSING, Duration.ofSeconds(30), GHOST, Duration.ofSeconds(30), LEADERS, Duration.ofSeconds(1),
            HOLDERS, Duration.ofSeconds(3), NO_LEADER, Duration.ofSeconds(45));

    /** Every Service has an address; no address is held by two (unless all share one key); the ConfigMap matches them. */
    static List<Breach> api(ApiView v) {
        List<Breach> out = new ArrayList<>();
        Map<String, List<Svc>> byAddress = new TreeMap<>();
        Map<String, Svc> byRef = new HashMap<>();
        for (Svc s : v.services()) {
            byRef.put(s.ref(), s);
            if (s.addresses().isEmpty()) {
                out.add(new Breach(NO_ADDRESS, s.ref(), s.ref() + " has no address"));
            }
            for (String a : s.addresses()) {
                byAddress.computeIfAbsent(a, k -> new ArrayList<>()).add(s);
            }
        }
        byAddress.forEach((address, holders) -> {
            String key = holders.get(0).shareKey();
            boolean shared = key != null && holders.stream().allMatch(h -> key.equals(h.shareKey()));
            if (holders.size() > 1 && !shared) {
                out.add(new Breach(SHARED_ADDRESS, address, address + " held by " + holders.stream().map(Svc::ref).toList()));
            }
            List<String> listed = targets(v.vipData().get(address));
            for (Svc h : holders) {
                if (!listed.contains(h.ref())) {
                    out.add(new Breach(CONFIGMAP_MISSING, address + " " + h.ref(), "the VIP ConfigMap does not list " + h.ref() + " at " + address
                            + " (it has " + Objects.requireNonNullElse(v.vipData().get(address), "no entry") + ")"));
                }
            }
        });
        for (String key : v.owned()) {
            if (!v.vipData().containsKey(key)) {
                continue; // an owned key without an entry is written away with the next batch: nothing is served from it
            }
            for (String ref : targets(v.vipData().get(key))) {
                Svc s = byRef.get(ref);
                if (s == null || !s.addresses().contains(key)) {
                    out.add(new Breach(GHOST, key + " " + ref, "the VIP ConfigMap lists " + key + " for " + ref + ", which "
                            + (s == null ? "does not exist" : "holds " + (s.addresses().isEmpty() ? "no address" : s.addresses()))));
                }
            }
        }
        return out;
    }

    private static List<String> targets(String value) {
        try {
            return VipConfigMapCodec.decodeValue(value).stream().map(VipTarget::service).map(Object::toString).toList();
        } catch (InvalidInputException e) {
            return List.of();
        }
    }

    /** At most one controller replica leads; {@code leading}: the replicas that say they do. */
    static List<Breach> leaders(List<String> leading) {
        return leading.size() > 1 ? List.of(new Breach(LEADERS, "controllers", "replicas " + leading + " all lead")) : List.of();
    }

    /** Exactly one node holds each VIP; {@code holders}: VIP to the nodes that have it on eth0. */
    static List<Breach> holders(Collection<String> vips, Map<String, List<Integer>> holders) {
        List<Breach> out = new ArrayList<>();
        for (String vip : vips) {
            List<Integer> h = holders.getOrDefault(vip, List.of());
            if (h.size() != 1) {
                out.add(new Breach(HOLDERS, vip, vip + " held by " + (h.isEmpty() ? "no node" : h.size() + " nodes " + h)));
            }
        }
        return out;
    }

    /**
     * Breaches seen sample after sample; one becomes a violation (once) when it has lasted longer than its grace. A
     * scope is one source of samples (the API, the replicas, the nodes): a breach of that scope not seen in its next
     * sample is over; a scope not sampled (the API server is down) keeps its breaches as they were.
     */
    static final class Tracker {
        private final Map<String, Long> since = new HashMap<>();
        private final Map<String, String> scopeOf = new HashMap<>();
        private final Set<String> reported = new java.util.HashSet<>();

        /** The violations this sample confirms. */
        List<Violation> observe(String scope, List<Breach> now, long atMicros) {
            Set<String> keys = new java.util.HashSet<>();
            List<Violation> out = new ArrayList<>();
            for (Breach b : now) {
                keys.add(b.key());
                scopeOf.put(b.key(), scope);
                long first = since.computeIfAbsent(b.key(), k -> atMicros);
                Duration grace = GRACE.getOrDefault(b.invariant(), Duration.ZERO);
                if (atMicros - first >= grace.toNanos() / 1000 && reported.add(b.key())) {
                    out.add(new Violation(first, atMicros, b));
                }
            }
            clear(scope, keys);
            return out;
        }

        /** Forgets the breaches of {@code scope} (e.g. the VIP holders while a fault is on). */
        void clear(String scope) {
            clear(scope, Set.of());
        }

        private void clear(String scope, Set<String> keep) {
            for (String k : List.copyOf(since.keySet())) {
                if (scope.equals(scopeOf.get(k)) && !keep.contains(k)) {
                    since.remove(k);
                    reported.remove(k);
                    scopeOf.remove(k);
                }
            }
        }
    }
}
