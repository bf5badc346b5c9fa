package io.vipkeeper.core.decide;

import io.vipkeeper.core.net.IpFamily;
import java.math.BigInteger;
import java.util.Map;

/**
 * What a VipPool object's status is to say: whether it is used ({@link Health}), why not (naming the other pool and
 * the range, or the field and the value), the address summary, and per family how many addresses it has, how many are
 * held (by Services or hand-written ConfigMap entries) and how many are free. A pool that is not used counts none used
 * and none free.
 */
public record PoolStatus(String name, Health health, String message, String addresses, Map<IpFamily, Counts> families) {

    public enum Health { READY, CONFLICT, INVALID }

    /** Per family; total and free are BigIntegers (an IPv6 prefix overflows a long). */
    public record Counts(BigInteger total, long used, BigInteger free) {
    }

    public PoolStatus {
        families = Map.copyOf(families);
        message = message == null ? "" : message;
    }

    public long used() {
        return families.values().stream().mapToLong(Counts::used).sum();
    }

    public BigInteger free() {
        return families.values().stream().map(Counts::free).reduce(BigInteger.ZERO, BigInteger::add);
    }
}
