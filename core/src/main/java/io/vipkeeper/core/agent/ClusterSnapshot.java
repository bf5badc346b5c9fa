package io.vipkeeper.core.agent;

import io.vipkeeper.core.viptable.VipConfigMapCodec;
import java.util.List;
import java.util.Objects;

/**
 * What the agent observed, already typed: the VIP table (parsed entry by entry), the Services, the endpoint groups
 * (EndpointSlices, or Endpoints for Services without slices) and the Nodes. Objects that did not parse are left out
 * and named in {@code objectErrors} ({@code Service web/front: spec.ports[0].protocol: ...}).
 */
public record ClusterSnapshot(VipConfigMapCodec.Decoded vipTable, List<ServiceSpec> services, List<EndpointGroup> endpoints,
                              List<NodeInfo> nodes, List<String> objectErrors) {

    public ClusterSnapshot {
        Objects.requireNonNull(vipTable, "vipTable");
        services = List.copyOf(services);
        endpoints = List.copyOf(endpoints);
        nodes = List.copyOf(nodes);
        objectErrors = List.copyOf(objectErrors);
    }
}
