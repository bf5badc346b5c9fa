package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;

/** A Node as the agent sees it: its name and its addresses by kind, in the order the API lists them. */
public record NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps) {

    public NodeInfo {
        AgentChecks.nodeName(name);
        externalIps = List.copyOf(externalIps);
        internalIps = List.copyOf(internalIps);
    }
}
