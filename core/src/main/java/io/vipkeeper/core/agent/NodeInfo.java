package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Node as the agent sees it: its name and its addresses by kind, in the order the API lists them; {@code refused}
 * names the addresses left out because they did not parse; {@code labels} are only ever matched against a pool's
 * nodeSelector or looked up by key (a planned handover), never written into a configuration; {@code unschedulable}:
 * the Node is cordoned.
 */
public record NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused,
                       Map<String, String> labels, boolean unschedulable) {

    public NodeInfo {
        AgentChecks.nodeName(name);
        externalIps = List.copyOf(externalIps);
        internalIps = List.copyOf(internalIps);
        refused = List.copyOf(refused);
        TreeMap<String, String> l = new TreeMap<>();
        labels.forEach((k, v) -> {
            if (k != null && v != null) {
                l.put(k, v);
            }
        });
        labels = Map.copyOf(l);
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused,
                    Map<String, String> labels) {
        this(name, externalIps, internalIps, refused, labels, false);
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps, List<String> refused) {
        this(name, externalIps, internalIps, refused, Map.of(), false);
    }

    public NodeInfo(String name, List<IpAddress> externalIps, List<IpAddress> internalIps) {
        this(name, externalIps, internalIps, List.of(), Map.of(), false);
    }
}
