package io.vipkeeper.core.agent;

import io.vipkeeper.core.alloc.PortKey.Protocol;
import java.util.Objects;

/** An EndpointSlice (or Endpoints subset) port: the Service port's name and the resolved target port number. */
public record EndpointPortSpec(String name, Protocol protocol, int port) {

    public EndpointPortSpec {
        name = AgentChecks.portName(name);
        Objects.requireNonNull(protocol, "protocol");
        AgentChecks.port(port, "endpoint port");
    }
}
