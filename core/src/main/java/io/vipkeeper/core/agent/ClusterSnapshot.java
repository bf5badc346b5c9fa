package io.vipkeeper.core.agent;

import io.vipkeeper.core.pool.PoolPlacements;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Objects;

/**
 * What the agent observed, already typed: the VIP table (parsed entry by entry), the Services, the endpoint groups
 * (EndpointSlices, or Endpoints for Services without slices) and the Nodes. Objects that did not parse are left out
 * and named in {@code objectErrors} ({@code Service web/front: spec.ports[0].protocol: ...}).
 *
 * @param placements       the pools' placements the controller published on the VIP ConfigMap (in force)
 * @param placementRefusal why the published placement annotation was refused (then {@code placements} is the last good
 *                         one the agent kept, or none), else null
 */
public record ClusterSnapshot(VipConfigMapCodec.Decoded vipTable, List<ServiceSpec> services, List<EndpointGroup> endpoints,
                              List<NodeInfo> nodes, List<String> objectErrors, PoolPlacements placements,
                              String placementRefusal) {

    public ClusterSnapshot {
        Objects.requireNonNull(vipTable, "vipTable");
        services = List.copyOf(services);
        endpoints = List.copyOf(endpoints);
        nodes = List.copyOf(nodes);
        objectErrors = List.copyOf(objectErrors);
        Objects.requireNonNull(placements, "placements");
    }

    /** Every VIP with the default placement (no annotation). */
    public ClusterSnapshot(VipConfigMapCodec.Decoded vipTable, List<ServiceSpec> services, List<EndpointGroup> endpoints,
                           List<NodeInfo> nodes, List<String> objectErrors) {
        this(vipTable, services, endpoints, nodes, objectErrors, PoolPlacements.NONE, null);
    }

    /** The same observation with other placements in force (the refusal, if any, is still reported). */
    public ClusterSnapshot withPlacements(PoolPlacements inForce) {
        return new ClusterSnapshot(vipTable, services, endpoints, nodes, objectErrors, inForce, placementRefusal);
    }
}
