package io.vipkeeper.core.agent;

import io.vipkeeper.core.alloc.PortKey.Protocol;
import java.util.Objects;

/** One {@code spec.ports[]} entry of a Service, validated. {@code name} is "" for a single unnamed port. */
public record ServicePortSpec(String name, Protocol protocol, int port, TargetPort targetPort) {

    public ServicePortSpec {
        name = AgentChecks.portName(name);
        Objects.requireNonNull(protocol, "protocol");
        AgentChecks.port(port, "port");
        Objects.requireNonNull(targetPort, "targetPort");
    }
}
