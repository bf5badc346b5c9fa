package io.vipkeeper.core.alloc;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/** The addresses a Service holds, primary family first, each with the pool it came from (null: outside every pool). */
public record Allocation(List<Assigned> addresses) {

    public record Assigned(IpAddress address, String pool) {
    }

    public Allocation {
        addresses = List.copyOf(addresses);
    }

    public List<IpAddress> ips() {
        return addresses.stream().map(Assigned::address).toList();
    }

    /** The pool of the primary address, or null. */
    public String primaryPool() {
        return addresses.isEmpty() ? null : addresses.get(0).pool();
    }
}
