package io.vipkeeper.core.alloc;

import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.net.IpFamily;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one Service asks of the allocator, already parsed from its spec and annotations.
 *
 * @param families      in the Service's order ({@code spec.ipFamilies}); the first is primary
 * @param requested     addresses asked for ({@code spec.loadBalancerIP} or the loadBalancerIPs annotation), may be empty
 * @param pool          the pool named by annotation, or null for automatic choice
 * @param sharingKey    {@code allow-shared-ip} key, or null when the Service does not share
 * @param keepOutsidePools keep a current address that is in no pool any more (the Service has not changed since)
 * @param labels        the Service's labels (for a pool's serviceSelector)
 */
public record AllocationRequest(ServiceRef service, List<IpFamily> families, FamilyPolicy policy, List<IpAddress> requested,
                                String pool, String sharingKey, Set<PortKey> ports, boolean keepOutsidePools, Map<String, String> labels) {

    /** A request without labels (a Service that has none, or when no pool selects Services). */
    public AllocationRequest(ServiceRef service, List<IpFamily> families, FamilyPolicy policy, List<IpAddress> requested,
                             String pool, String sharingKey, Set<PortKey> ports, boolean keepOutsidePools) {
        this(service, families, policy, requested, pool, sharingKey, ports, keepOutsidePools, Map.of());
    }

    public AllocationRequest {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        families = List.copyOf(families);
        requested = List.copyOf(requested);
        ports = Set.copyOf(ports);
        if (families.isEmpty()) {
            throw new IllegalArgumentException("no family");
        }
    }

    /** The same request, keeping (or not) a current address that is in no pool any more. */
    public AllocationRequest keepingOutsidePools(boolean keep) {
        return keep == keepOutsidePools ? this : new AllocationRequest(service, families, policy, requested, pool, sharingKey, ports, keep, labels);
    }

    /** The same request for a Service with these labels. */
    public AllocationRequest withLabels(Map<String, String> serviceLabels) {
        return new AllocationRequest(service, families, policy, requested, pool, sharingKey, ports, keepOutsidePools, serviceLabels);
    }

    /** The families this request must or may get, in order. */
    List<IpFamily> wanted() {
        return policy == FamilyPolicy.SINGLE_STACK ? families.subList(0, 1) : families;
    }

    IpAddress requestedFor(IpFamily f) {
        for (IpAddress a : requested) {
            if (a.family() == f) {
                return a;
            }
        }
        return null;
    }
}
