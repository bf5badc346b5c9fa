package io.vipkeeper.core.decide;

import io.vipkeeper.core.pool.VipPoolSpec;

/**
 * A VipPool object as the decider takes it: its name, its creation timestamp (RFC 3339, sorts as text: of two pools
 * sharing an address the older keeps it), and its spec parsed, or why it does not parse.
 */
public record PoolObject(String name, String created, VipPoolSpec spec, String invalid) {

    public PoolObject {
        created = created == null ? "" : created;
        if ((spec == null) == (invalid == null)) {
            throw new IllegalArgumentException("a pool object has exactly one of spec and invalid");
        }
    }

    public static PoolObject valid(String name, String created, VipPoolSpec spec) {
        return new PoolObject(name, created, spec, null);
    }

    public static PoolObject invalid(String name, String created, String why) {
        return new PoolObject(name, created, null, why);
    }
}
