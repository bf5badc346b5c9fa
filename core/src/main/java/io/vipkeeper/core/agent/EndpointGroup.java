package io.vipkeeper.core.agent;

import io.vipkeeper.core.names.ServiceRef;
import java.util.List;
import java.util.Objects;

/**
 * One EndpointSlice, or one subset of a legacy Endpoints object: a set of ports that every one of its addresses
 * serves. A Service has any number of them.
 */
public record EndpointGroup(ServiceRef service, List<EndpointPortSpec> ports, List<EndpointAddress> endpoints) {

    public EndpointGroup {
        Objects.requireNonNull(service, "service");
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }
}
