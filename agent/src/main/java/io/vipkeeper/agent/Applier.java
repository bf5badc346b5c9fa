package io.vipkeeper.agent;

import io.vipkeeper.core.plan.AgentPlan;
import java.io.IOException;

/**
 * One step of putting a plan in force on this host: the nft ruleset, haproxy, the track files, keepalived. Each
 * renders its own part of the plan, compares it with what is in force, and applies it only when it differs and its
 * tool accepts it. The {@link Reconciler} runs them in order: the data plane first, keepalived last, so a node that
 * becomes MASTER already forwards. ({@link ConntrackdApplier} is one more; a BGP speaker would be another.)
 */
interface Applier extends AutoCloseable {

    /** Which step this is: what the reconciler counts and reports for it. */
    enum Kind {
        NFTABLES("nft", "the ruleset", "DataplaneRejected"),
        HAPROXY("haproxy", "the configuration", "ConfigRejected"),
        TRACK_FILES("track files", "the track files", "ConfigRejected"),
        CONNTRACKD("conntrackd", "the configuration", "ConfigRejected"),
        KEEPALIVED("keepalived", "the configuration", "ConfigRejected"),
        BIRD("bird", "the configuration", "ConfigRejected");

        final String tool;
        final String what;
        /** The reason of the Warning event on the VIP ConfigMap when the tool refuses. */
        final String rejectedReason;

        Kind(String tool, String what, String rejectedReason) {
            this.tool = tool;
            this.what = what;
            this.rejectedReason = rejectedReason;
        }
    }

    Kind kind();

    /** Puts this step's part of {@code plan} in force, or leaves what is in force when the tool refuses it. */
    ApplyResult apply(AgentPlan plan) throws IOException;

    /** keepalived reported a VRRP state change of this node ({@code instance} is now {@code state}); nothing by default. */
    default void vrrpChanged(String instance, VrrpStates.State state) {
    }

    /**
     * This node is about to give its VIPs away while the agent keeps running (its Node is labelled to be excluded from
     * load balancers, or cordoned with {@code --handover-on-cordon}); nothing by default.
     */
    default void beforeHandover() {
    }

    /** The agent is stopping: keepalived is about to give this node's VIPs away (a planned handover); nothing by default. */
    default void beforeVrrpStop() {
    }

    /** Undoes this step when the agent stops (stops the daemon, deletes the table); nothing by default. */
    @Override
    default void close() {
    }
}
