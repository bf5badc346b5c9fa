package io.vipkeeper.core.agent;

import io.vipkeeper.core.net.IpAddress;
import java.util.Objects;

/**
 * One endpoint address. {@code nodeName} is "" when the API did not say (then it never counts as local).
 * {@code ready} follows EndpointSlice semantics: an absent condition means ready; terminating endpoints are not.
 */
public record EndpointAddress(IpAddress address, boolean ready, String nodeName) {

    public EndpointAddress {
        Objects.requireNonNull(address, "address");
        nodeName = nodeName == null || nodeName.isEmpty() ? "" : AgentChecks.nodeName(nodeName);
    }
}
