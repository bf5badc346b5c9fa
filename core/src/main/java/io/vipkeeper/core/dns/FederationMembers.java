package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The clusters of one federation and where they are, as their publishers registered them in etcd: one key per
 * cluster, {@code <prefix>/<domain reversed>/svc/<federation>/_members/<cluster>}, whose value is a TXT-only record
 * {@code {"text":"<zone>/<region>","ttl":N}}. The key has no lease: it outlives its publisher, so the surviving
 * publishers know which zone and region names must fall back when that publisher's records are gone. It is removed
 * by hand when a cluster leaves the federation. {@code _members} is not a DNS label, so no Service name can clash
 * with it and {@code dns serve} never answers it (CoreDNS answers it as TXT).
 */
public final class FederationMembers implements EtcdMirror {

    public static final String LABEL = "_members";

    /** One registered cluster. */
    public record Member(ClusterId cluster, Location location) {
    }

    private final String prefix;
    private volatile Map<String, Member> byKey = Map.of();

    public FederationMembers(SkyDns layout, FederationNames names) {
        this.prefix = layout.path(names.domain().child("svc").child(names.federation())) + "/" + LABEL + "/";
    }

    public String key(ClusterId cluster) {
        return prefix + cluster.value();
    }

    /** The value registering a cluster at {@code location}. */
    public static String value(Location location, int ttl) {
        return "{\"text\":\"" + location + "\",\"ttl\":" + ttl + "}";
    }

    /** Reads one entry; empty for keys that are not this federation's member keys and values that do not parse. */
    public Optional<Member> parse(String key, String value) {
        if (key == null || !key.startsWith(prefix) || value == null) {
            return Optional.empty();
        }
        String id = key.substring(prefix.length());
        if (!DnsLabel.isValid(id)) {
            return Optional.empty();
        }
        Optional<Json.Value> v = Json.parseObjectFields(value);
        if (v.isEmpty() || v.get().text() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Member(new ClusterId(id), Location.parse(v.get().text())));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized boolean apply(String key, String value) {
        if (key == null || !key.startsWith(prefix)) {
            return false;
        }
        Map<String, Member> next = new HashMap<>(byKey);
        Optional<Member> m = parse(key, value);
        Member old = m.isPresent() ? next.put(key, m.get()) : next.remove(key);
        byKey = Map.copyOf(next);
        return m.isPresent() ? !m.get().equals(old) : old != null;
    }

    @Override
    public synchronized void reset(Map<String, String> entries) {
        Map<String, Member> next = new HashMap<>();
        entries.forEach((k, v) -> parse(k, v).ifPresent(m -> next.put(k, m)));
        byKey = Map.copyOf(next);
    }

    /** Every registered member (a snapshot). */
    public List<Member> all() {
        return List.copyOf(byKey.values());
    }

    /** The location registered for {@code cluster}, if any. */
    public Optional<Location> locationOf(ClusterId cluster) {
        Member m = byKey.get(key(cluster));
        return m == null ? Optional.empty() : Optional.of(m.location());
    }
}
