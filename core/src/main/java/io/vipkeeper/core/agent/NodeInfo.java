package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/**
 * A Node as the agent sees it: its name and its addresses by kind, in the order the API lists them; {@code refused}
 * names the addresses left out because they did not parse.
 */
public record NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused) {

    public NodeInfo {
        AgentChecks.nodeName(name);
        externalIps = List.copyOf(externalIps);
        internalIps = List.copyOf(internalIps);
        refused = List.copyOf(refused);
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps) {
        this(name, externalIps, internalIps, List.of());
    }
}
