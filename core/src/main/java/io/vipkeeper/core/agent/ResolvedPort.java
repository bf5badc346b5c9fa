package io.vipkeeper.core.agent;

import io.vipkeeper.core.alloc.PortKey;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.util.List;

/** One VIP port, the Service port it belongs to and its ready backends (sorted; possibly none). */
public record ResolvedPort(PortKey key, ServiceRef service, ForwardMethod method, List<Backend> backends)
        implements Comparable<ResolvedPort> {

    public ResolvedPort {
        backends = backends.stream().sorted().distinct().toList();
    }

    @Override
    public int compareTo(ResolvedPort o) {
        return key.compareTo(o.key);
    }
}
