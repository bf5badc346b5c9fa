package io.vipkeeper.core.agent;

/** A Service's {@code externalTrafficPolicy}: Cluster (any ready endpoint) or Local (this node's only). */
public enum TrafficPolicy {
    CLUSTER, LOCAL
}
