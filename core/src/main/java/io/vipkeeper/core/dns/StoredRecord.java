package io.vipkeeper.core.dns;

import java.util.Optional;
import java.util.Set;

/**
 * A record read back from etcd: its name (from the key), value and TTL (from the JSON), and the owning
 * cluster when the key's last label names one ({@code null} for keys written by others, e.g. etcdctl).
 */
public record StoredRecord(DnsName name, Target target, int ttl, ClusterId owner) {

    public Optional<ClusterId> ownerIfAny() {
        return Optional.ofNullable(owner);
    }

    public boolean ownedBy(Set<ClusterId> owners) {
        return owner != null && owners.contains(owner);
    }
}
