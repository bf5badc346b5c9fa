package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.NodeInfo;
import java.util.Optional;

/**
 * Why this node gives its VIPs away on purpose and holds none (a planned handover, issue #12): its Node carries the
 * Kubernetes label {@link #EXCLUDE_LABEL} (any value), or it is cordoned and the agent runs with
 * {@code --handover-on-cordon}. While it holds, every VRRP instance of the node is in FAULT (a peer takes over at
 * once on the priority-0 advert) and BIRD announces none of its BGP VIPs; the data plane keeps forwarding what still
 * arrives. When the reason goes, the node is eligible again: BACKUP, without taking the VIPs back.
 */
public enum Handover {
    /** The Node carries {@link #EXCLUDE_LABEL}. */
    LABEL("label"),
    /** The Node is cordoned ({@code spec.unschedulable}) and {@code --handover-on-cordon} is set. */
    CORDON("cordon");

    /** The Kubernetes convention: nodes load balancers must not send traffic to (its value is not looked at). */
    public static final String EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

    /** The value of the {@code reason} label of the {@code vipkeeper_node_excluded} metric. */
    public final String metricReason;

    Handover(String metricReason) {
        this.metricReason = metricReason;
    }

    /**
     * Whether {@code self} (this node as observed; null when it is not among the Nodes) hands its VIPs over, and why;
     * the label wins when both apply.
     */
    public static Optional<Handover> of(NodeInfo self, boolean handoverOnCordon) {
        if (self == null) {
            return Optional.empty();
        }
        if (self.labels().containsKey(EXCLUDE_LABEL)) {
            return Optional.of(LABEL);
        }
        if (handoverOnCordon && self.unschedulable()) {
            return Optional.of(CORDON);
        }
        return Optional.empty();
    }

    /** What the agent logs and records in the Node's Event. */
    public String describe() {
        return this == LABEL ? "the Node is labelled " + EXCLUDE_LABEL : "the Node is cordoned (--handover-on-cordon)";
    }
}
