package io.vipkeeper.core.agent;

import java.util.List;

/** The VIP table resolved against Services and endpoints: every servable VIP (sorted) and what was not served. */
public record Resolution(List<ResolvedVip> vips, List<Report> reports) {

    public Resolution {
        vips = vips.stream().sorted().toList();
        reports = reports.stream().sorted().toList();
    }
}
