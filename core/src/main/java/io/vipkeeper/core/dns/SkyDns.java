package io.vipkeeper.core.dns;

import io.vipkeeper.core.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The etcd layout that CoreDNS's etcd plugin reads (coredns {@code plugin/etcd/msg/path.go}, {@code service.go}):
 * a name's labels reversed under a prefix ({@code /skydns}), one key per record value below it, and a JSON
 * value whose {@code host} is an IP (A/AAAA) or a name (CNAME):
 * <pre>
 *   /skydns/com/example/svc/federation/default/hello-world/fcp-1b2c3d4e  {"host":"192.0.2.10","ttl":30}
 * </pre>
 * The last label is {@code <cluster>-<fnv32a(host)>}: the cluster makes keys of different publishers distinct
 * (none overwrites another's), the hash (as Federation v1's CoreDNS provider did) gives each value its own key.
 */
public final class SkyDns {

    public static final String DEFAULT_PREFIX = "/skydns";
    /** CoreDNS's TTL for a record without {@code ttl} and without lease ({@code plugin/etcd/etcd.go}). */
    public static final int COREDNS_DEFAULT_TTL = 300;
    private static final int HASH_LENGTH = 8;

    private final String prefix;

    /** {@code prefix}: the etcd plugin's {@code path}, e.g. {@code /skydns}; must start with '/' and not end with one. */
    public SkyDns(String prefix) {
        if (prefix == null || !prefix.startsWith("/") || prefix.endsWith("/") || prefix.length() < 2
                || prefix.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new InvalidInputException("etcd prefix must look like /skydns: "
                    + InvalidInputException.quote(prefix));
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** {@code /skydns/com/example/...}: the directory of a name. */
    public String path(DnsName name) {
        StringBuilder sb = new StringBuilder(prefix);
        List<String> labels = name.labels();
        for (int i = labels.size() - 1; i >= 0; i--) {
            sb.append('/').append(labels.get(i));
        }
        return sb.toString();
    }

    /** The key prefix of everything at or below {@code zone} (ends with '/'). */
    public String subtree(DnsName zone) {
        return path(zone) + "/";
    }

    public String key(OwnedRecord r) {
        return path(r.name()) + "/" + r.owner().value() + "-" + fnv32a(r.target().host().getBytes(StandardCharsets.UTF_8));
    }

    /** The JSON value; exactly the fields CoreDNS reads, nothing else (an extra {@code text} breaks CNAMEs, external-dns#4953). */
    public static String json(Target target, int ttl) {
        return "{\"host\":\"" + target.host() + "\",\"ttl\":" + ttl + "}";
    }

    /**
     * Keys and values of a record set, sorted by key. A second value hashing to the same key as an earlier
     * one (an FNV collision at one name for one cluster) is left out and returned in {@code collisions}.
     */
    public Map<String, String> toKeyValues(Collection<OwnedRecord> records, List<OwnedRecord> collisions) {
        Map<String, String> out = new TreeMap<>();
        for (OwnedRecord r : records) {
            String value = json(r.target(), r.ttl());
            String old = out.putIfAbsent(key(r), value);
            if (old != null && !old.equals(value)) {
                collisions.add(r);
            }
        }
        return out;
    }

    public Map<String, String> toKeyValues(Collection<OwnedRecord> records) {
        return toKeyValues(records, new ArrayList<>());
    }

    /**
     * Reads one etcd entry. Empty for keys outside the prefix, labels that are not DNS labels, JSON without a
     * usable {@code host} (TXT, SRV-only, garbage): such entries are skipped, never served or rewritten.
     * Every key is read as one value of the name one label up (the layout above); CoreDNS's extra rule that
     * a name also answers with everything deeper in its subtree is not reproduced.
     */
    public Optional<StoredRecord> parse(String key, String value) {
        Optional<DnsName> leafName = nameOf(key);
        if (leafName.isEmpty() || leafName.get().isRoot()) {
            return Optional.empty();
        }
        Optional<Json.Value> parsed = Json.parseObjectFields(value);
        if (parsed.isEmpty() || parsed.get().host() == null) {
            return Optional.empty();
        }
        Optional<Target> target = Target.parseHost(parsed.get().host());
        if (target.isEmpty()) {
            return Optional.empty();
        }
        int ttl = parsed.get().ttl() == null ? COREDNS_DEFAULT_TTL : parsed.get().ttl();
        String leaf = leafName.get().labels().get(0);
        ClusterId owner = ownerOfLeaf(leaf);
        DnsName name = leafName.get().parent();
        return Optional.of(new StoredRecord(name, target.get(), ttl, owner));
    }

    /** The name a key spells (leaf included), or empty when the key is outside the prefix or not made of labels. */
    public Optional<DnsName> nameOf(String key) {
        if (key == null || !key.startsWith(prefix + "/")) {
            return Optional.empty();
        }
        String[] parts = key.substring(prefix.length() + 1).split("/", -1);
        List<String> labels = new ArrayList<>(parts.length);
        for (String p : parts) {
            if (!DnsLabel.isValid(p)) {
                return Optional.empty();
            }
            labels.add(p);
        }
        Collections.reverse(labels);
        try {
            return Optional.of(new DnsName(labels));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    /** The owner encoded in a leaf label {@code <cluster>-<8 hex>}, or null. */
    static ClusterId ownerOfLeaf(String leaf) {
        int cut = leaf.length() - HASH_LENGTH - 1;
        if (cut < 1 || leaf.charAt(cut) != '-') {
            return null;
        }
        for (int i = cut + 1; i < leaf.length(); i++) {
            char c = leaf.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
        }
        String owner = leaf.substring(0, cut);
        return DnsLabel.isValid(owner) ? new ClusterId(owner) : null;
    }

    /** FNV-1a 32-bit as 8 lower-case hex digits (Federation v1's CoreDNS provider used it for the same purpose). */
    public static String fnv32a(byte[] data) {
        int h = 0x811c9dc5;
        for (byte b : data) {
            h ^= (b & 0xff);
            h *= 0x01000193;
        }
        return String.format("%08x", h);
    }
}
