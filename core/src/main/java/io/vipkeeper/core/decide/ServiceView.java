package io.vipkeeper.core.decide;

import io.vipkeeper.core.alloc.AllocationRequest;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.ForwardMethod;
import java.util.List;

/**
 * One Service as the controller sees it, parsed at the edge (the controller's ServiceRequests).
 *
 * @param serving       whether this controller serves it, and if not why
 * @param fingerprint   what of the Service decides its addresses: a change means an out-of-pool address may be replaced
 * @param request       what it asks of the allocator (built with keepOutsidePools false), or null when {@code invalid} or not served
 * @param invalid       why its spec or annotations do not parse, or null
 * @param method        its forward method annotation, or null when absent or invalid
 * @param methodProblem why the forward method annotation does not parse, or null
 * @param status        the addresses its status.loadBalancer.ingress names (those that parse)
 * @param ingressCount  the entries of status.loadBalancer.ingress, whatever they hold
 * @param created       its creation timestamp as the API wrote it (RFC 3339, so it sorts as text; "" when unknown): of
 *                      two Services that can no longer share an address, the newer loses it
 * @param outsideFlagged its status.conditions has {@link OutsidePoolsCondition#TYPE} with status True
 */
public record ServiceView(ServiceRef ref, Serving serving, String fingerprint, AllocationRequest request, String invalid,
                          ForwardMethod method, String methodProblem, List<IpAddress> status, int ingressCount, String created,
                          boolean outsideFlagged) {

    public enum Serving {
        SERVED,
        /** Not of type LoadBalancer. */
        NOT_LOAD_BALANCER,
        /** A LoadBalancer of another class (or unclassed while unclassed Services are ignored). */
        OTHER_CLASS
    }

    public ServiceView {
        status = List.copyOf(status);
        created = created == null ? "" : created;
        if (serving == Serving.SERVED && (request == null) == (invalid == null)) {
            throw new IllegalArgumentException("a served Service has exactly one of request and invalid");
        }
    }

    /** A Service whose status has no {@link OutsidePoolsCondition} set True. */
    public ServiceView(ServiceRef ref, Serving serving, String fingerprint, AllocationRequest request, String invalid,
                       ForwardMethod method, String methodProblem, List<IpAddress> status, int ingressCount, String created) {
        this(ref, serving, fingerprint, request, invalid, method, methodProblem, status, ingressCount, created, false);
    }
}
