package io.vipkeeper.core.agent;

import io.vipkeeper.core.names.ServiceRef;
import java.util.List;
import java.util.Objects;

/**
 * One EndpointSlice, or one subset of a legacy Endpoints object: a set of ports that every one of its addresses
 * serves. A Service has any number of them. {@code refused} names the endpoints left out because their address or
 * node name did not pass (one bad endpoint does not take the others with it).
 */
public record EndpointGroup(ServiceRef service, List<EndpointPortSpec> ports, List<EndpointAddress> endpoints,
                            List<String> refused) {

    public EndpointGroup {
        Objects.requireNonNull(service, "service");
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
        refused = List.copyOf(refused);
    }

    public EndpointGroup(ServiceRef service, List<EndpointPortSpec> ports, List<EndpointAddress> endpoints) {
        this(service, ports, endpoints, List.of());
    }
}
