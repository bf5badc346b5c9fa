package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.InstanceMode;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.pool.Announce;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything this node applies: the VIPs it may hold (with their forwarding), the VRRP instances holding them,
 * and the reports of what was not served. The renderers turn it into files; they add nothing of their own.
 *
 * @param sync     conntrack state sync with the other nodes, or null for none
 * @param handover why this node hands its VIPs over and holds none (its instances in FAULT through
 *                 {@link #NODE_TRACK_FILE}, its BGP VIPs not announced), or null: it is eligible
 */
public record AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances,
                        List<Report> reports, SyncPlan sync, Handover handover) {

    /**
     * The track file every instance of the node tracks: {@code 0} eligible, {@code -254} handing over (FAULT: keepalived
     * sends a priority-0 advert, so a peer takes over at once, and the node leaves FAULT as BACKUP when it is 0 again).
     */
    public static final String NODE_TRACK_FILE = "node_eligible";
    /** The file in the run directory that keepalived tracks as {@link #NODE_TRACK_FILE}: 0 eligible, -254 handing over. */
    public static final String NODE_TRACK_FILE_NAME = "node-eligible";

    /**
     * The track file that holds a per-vip node's instances below every peer's while its conntrack table catches up
     * after a fault or a start ({@link #movesBackAfterCatchingUp}): {@code 1} catching up, {@code 0} caught up.
     */
    public static final String SYNC_TRACK_FILE = "sync_caught_up";
    /** The file in the run directory that keepalived tracks as {@link #SYNC_TRACK_FILE}. */
    public static final String SYNC_TRACK_FILE_NAME = "sync-caught-up";
    /** How far {@link #SYNC_TRACK_FILE} lowers an instance's priority while catching up (at most to 1). */
    static final int SYNC_GATE_DROP = 100;

    /** A plan without conntrack sync. */
    public AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances, List<Report> reports) {
        this(settings, vips, instances, reports, null, null);
    }

    /** A plan of an eligible node. */
    public AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances, List<Report> reports,
                     SyncPlan sync) {
        this(settings, vips, instances, reports, sync, null);
    }

    public AgentPlan {
        vips = vips.stream().sorted().toList();
        instances = List.copyOf(instances);
        reports = reports.stream().sorted().toList();
    }


    /**
     * Whether this node takes its VIPs back only once its conntrack table has caught up: per-vip instances preempt
     * (the first-choice node takes its VIPs back {@code preempt_delay} after a fault or a start), and with conntrack
     * sync the flows opened meanwhile must be in its kernel table first. Single mode never preempts (nopreempt);
     * BGP VIPs are forwarded by every node.
     */
    public boolean movesBackAfterCatchingUp() {
        return sync != null && settings.instanceMode() == InstanceMode.PER_VIP && settings.announce() != Announce.BGP
                && !instances.isEmpty();
    }

    /** Where the agent writes {@link #SYNC_TRACK_FILE}. */
    public String syncTrackFilePath() {
        return settings.runDir() + "/" + SYNC_TRACK_FILE_NAME;
    }

    /**
     * The weight of {@link #SYNC_TRACK_FILE} in an instance of this priority: {@code -}{@link #SYNC_GATE_DROP}, so a
     * node held back ranks below every node that is not (per-vip priorities are 200 minus a step per rank, all above
     * 100 in clusters of up to 100 nodes: {@link Priorities#step}), less where the priority would fall below 1, and 0
     * at priority 1, which tracks no file: a weight of 0 would turn the file's 1 into FAULT.
     */
    public static int syncGateWeight(int priority) {
        return -Math.min(SYNC_GATE_DROP, priority - 1);
    }

    /** Where the agent writes {@link #NODE_TRACK_FILE}. */
    public String nodeTrackFilePath() {
        return settings.runDir() + "/" + NODE_TRACK_FILE_NAME;
    }

    /**
     * The node's track file (when it runs an instance: eligible unless handing over), then the track file of every
     * instance that has one: eligible when one of its VIPs has a (local) ready backend.
     */
    public List<TrackFile> trackFiles() {
        Map<IpAddress, ResolvedVip> byVip = new HashMap<>();
        vips.forEach(v -> byVip.put(v.vip(), v));
        List<TrackFile> out = new ArrayList<>();
        if (!instances.isEmpty()) {
            out.add(new TrackFile(nodeTrackFilePath(), handover == null));
        }
        for (VrrpInstance i : instances) {
            if (i.trackFilePath() != null) {
                boolean eligible = i.vips().stream().map(byVip::get)
                        .anyMatch(v -> v != null && v.ports().stream().anyMatch(p -> !p.backends().isEmpty()));
                out.add(new TrackFile(i.trackFilePath(), eligible));
            }
        }
        return out;
    }
}
