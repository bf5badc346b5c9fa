package io.vipkeeper.core.dns;

/** One record value at one name, written by the publisher of cluster {@code owner}. */
public record OwnedRecord(DnsName name, Target target, int ttl, ClusterId owner) {

    public OwnedRecord {
        if (ttl < 0) {
            throw new IllegalArgumentException("negative TTL");
        }
    }
}
