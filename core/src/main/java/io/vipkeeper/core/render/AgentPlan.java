package io.vipkeeper.core.render;

import io.vipkeeper.core.agent.AgentSettings;
import io.vipkeeper.core.agent.Report;
import io.vipkeeper.core.agent.ResolvedVip;
import java.util.List;

/**
 * Everything this node applies: the VIPs it may hold (with their forwarding), the VRRP instances holding them,
 * and the reports of what was not served. The renderers turn it into files; they add nothing of their own.
 */
public record AgentPlan(AgentSettings settings, List<ResolvedVip> vips, List<VrrpInstance> instances,
                        List<Report> reports) {

    public AgentPlan {
        vips = vips.stream().sorted().toList();
        instances = List.copyOf(instances);
        reports = reports.stream().sorted().toList();
    }
}
