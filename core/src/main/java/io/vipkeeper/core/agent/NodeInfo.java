package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Node as the agent sees it: its name and its addresses by kind, in the order the API lists them; {@code refused}
 * names the addresses left out because they did not parse; {@code labels} are only matched against node selectors
 * (pool placement, BGP peers), never rendered.
 */
public record NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused,
                       Map<String, String> labels) {

    public NodeInfo {
        AgentChecks.nodeName(name);
        externalIps = List.copyOf(externalIps);
        internalIps = List.copyOf(internalIps);
        refused = List.copyOf(refused);
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused) {
        this(name, externalIps, internalIps, refused, Map.of());
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps) {
        this(name, externalIps, internalIps, List.of(), Map.of());
    }
}
