package io.vipkeeper.core.agent;

import io.vipkeeper.core.names.ServiceRef;
import java.util.List;
import java.util.Objects;

/** What the agent needs of a Service: its ports and its external traffic policy. */
public record ServiceSpec(ServiceRef ref, List<ServicePortSpec> ports, TrafficPolicy trafficPolicy) {

    public ServiceSpec {
        Objects.requireNonNull(ref, "ref");
        ports = List.copyOf(ports);
        Objects.requireNonNull(trafficPolicy, "trafficPolicy");
    }
}
