package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;

/** A ready endpoint traffic is forwarded to: {@code podIP:targetPort}, and the node it runs on ("" unknown). */
public record Backend(IpAddress address, int port, String nodeName) implements Comparable<Backend> {

    public Backend {
        AgentChecks.port(port, "backend port");
    }

    @Override
    public int compareTo(Backend o) {
        int c = address.compareTo(o.address);
        return c != 0 ? c : Integer.compare(port, o.port);
    }
}
