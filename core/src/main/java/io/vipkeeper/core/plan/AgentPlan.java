package io.vipkeeper.core.plan;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import io.vipkeeper.core.net.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything this node applies: the VIPs it may hold (with their forwarding), the VRRP instances holding them,
 * and the reports of what was not served. The renderers turn it into files; they add nothing of their own.
 *
 * @param sync conntrack state sync with the other nodes, or null for none
 */
public record AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances,
                        List<Report> reports, SyncPlan sync) {

    /** A plan without conntrack sync. */
    public AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances, List<Report> reports) {
        this(settings, vips, instances, reports, null);
    }

    public AgentPlan {
        vips = vips.stream().sorted().toList();
        instances = List.copyOf(instances);
        reports = reports.stream().sorted().toList();
    }


    /** The track file of every instance that has one: eligible when one of its VIPs has a (local) ready backend. */
    public List<TrackFile> trackFiles() {
        Map<IpAddress, ResolvedVip> byVip = new HashMap<>();
        vips.forEach(v -> byVip.put(v.vip(), v));
        List<TrackFile> out = new ArrayList<>();
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
