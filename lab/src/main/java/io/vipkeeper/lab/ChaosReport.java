package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.FailoverStats;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of a chaos run: the faults as done and measured, the violations, and the requests through the VIPs
 * (sent, failed inside a fault's window, failed outside every window), and with long-lived connections how many were
 * alive at the end. {@link #print} writes the summary: faults by kind with the fault's duration and the traffic
 * recovery (median and max; with connections, their longest stall), then the violations.
 */
public record ChaosReport(Chaos.Settings settings, List<ChaosFault> faults, List<Logged> violations, int requests, int failedInWindows,
        int failedOutside, int connectionsAlive) {

    /** A violation with its time. */
    public record Logged(Instant at, String text) {
    }

    public ChaosReport {
        faults = List.copyOf(faults);
        violations = List.copyOf(violations);
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    /** How many faults of each kind were done, by kind label (controller-kill, agent-kill, ...). */
    public Map<String, Integer> faultsByKind() {
        Map<String, Integer> out = new TreeMap<>();
        faults.forEach(f -> out.merge(f.kind().label, 1, Integer::sum));
        return out;
    }

    public List<String> violationTexts() {
        return violations.stream().map(v -> v.at() + " " + v.text()).toList();
    }

    public void print(PrintWriter out) {
        out.println();
        boolean connections = settings.connections() > 0;
        out.printf("chaos: %d s, seed %d%s: %d faults, %d requests through the VIPs (%d failed inside fault windows, %d outside)%s, %d violation(s)%n",
                settings.duration().toSeconds(), settings.seed(), (settings.vrrpInstances().equals("single") ? "" : ", " + settings.vrrpInstances()
                        + " VRRP instances") + (settings.conntrackSync() ? ", conntrack sync" : ""), faults.size(), requests,
                failedInWindows, failedOutside, connections ? ", " + connectionsAlive + " of " + settings.connections()
                        + " long-lived connections alive" : "", violations.size());
        out.println();
        out.println("KIND             FAULTS  FAULT ms (median/max)  FAILED REQUESTS  TRAFFIC BACK AFTER ms (median/max)"
                + (connections ? "  CONNECTION STALL ms (median/max)" : ""));
        for (ChaosFault.Kind kind : ChaosFault.Kind.of(settings.conntrackSync())) {
            List<ChaosFault> of = faults.stream().filter(f -> f.kind() == kind).toList();
            if (of.isEmpty()) {
                out.printf("%-16s %6d%n", kind.label, 0);
                continue;
            }
            FailoverStats duration = FailoverStats.of(of.stream().map(ChaosFault::faultMillis).toList());
            List<Long> recovered = of.stream().map(ChaosFault::recoveryMillis).filter(r -> r >= 0).toList();
            long notRecovered = of.size() - recovered.size();
            String recovery = recovered.isEmpty() ? "-" : FailoverStats.of(recovered).median() + " / " + FailoverStats.of(recovered).max();
            String backAfter = recovery + (notRecovered > 0 ? "  (" + notRecovered + " not recovered)" : "");
            if (connections) {
                FailoverStats stall = FailoverStats.of(of.stream().map(ChaosFault::connectionStallMs).toList());
                backAfter = String.format("%-34s  %s", backAfter, stall.median() + " / " + stall.max());
            }
            out.printf("%-16s %6d  %21s  %15d  %s%n", kind.label, of.size(), duration.median() + " / " + duration.max(),
                    of.stream().mapToInt(ChaosFault::failedRequests).sum(), backAfter);
        }
        out.println();
        if (violations.isEmpty()) {
            out.println("violations: none");
        } else {
            out.println("violations:");
            violationTexts().forEach(v -> out.println("  " + v));
        }
        out.flush();
    }

    /** One row per fault: {@value ChaosFault#CSV_HEADER}. */
    public List<String> csv() {
        List<String> lines = new ArrayList<>(List.of(ChaosFault.CSV_HEADER));
        faults.forEach(f -> lines.add(f.csv()));
        return lines;
    }
}
