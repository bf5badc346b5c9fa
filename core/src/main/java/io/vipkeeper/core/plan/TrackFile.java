package io.vipkeeper.core.plan;

/**
 * A file keepalived tracks: for a VIP with externalTrafficPolicy Local, {@code 0} makes this node eligible to hold the
 * VIP (it has a local ready endpoint), {@code -254} puts the instance in FAULT; the node's own one
 * ({@link AgentPlan#NODE_TRACK_FILE}) does the same for all its instances during a planned handover. keepalived
 * re-reads it on change, without a reload.
 */
public record TrackFile(String path, boolean eligible) {

    /** The file's content. */
    public String content() {
        return eligible ? "0\n" : "-254\n";
    }
}
