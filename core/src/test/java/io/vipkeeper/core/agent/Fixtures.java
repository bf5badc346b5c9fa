package io.vipkeeper.core.agent;

import io.vipkeeper.core.alloc.PortKey.Protocol;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/** Small builders for the agent's records in tests. */
public final class Fixtures {

    private Fixtures() {
    }

    public static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    public static ServiceSpec svc(String ref, TrafficPolicy tp, ServicePortSpec... ports) {
        return new ServiceSpec(ServiceRef.parse(ref), List.of(ports), tp);
    }

    public static ServicePortSpec port(String name, Protocol p, int port) {
        return new ServicePortSpec(name, p, port, new TargetPort.Numbered(port));
    }

    public static EndpointGroup group(String ref, List<EndpointPortSpec> ports, EndpointAddress... eps) {
        return new EndpointGroup(ServiceRef.parse(ref), ports, List.of(eps));
    }

    public static EndpointAddress ready(String ip, String node) {
        return new EndpointAddress(IpAddress.parse(ip), true, node);
    }

    public static EndpointAddress notReady(String ip, String node) {
        return new EndpointAddress(IpAddress.parse(ip), false, node);
    }

    public static AgentSettings.Builder settings() {
        return AgentSettings.builder(new InterfaceName("eth0"));
    }
}
