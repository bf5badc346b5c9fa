package io.vipkeeper.lab;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * One fault of a chaos run, as done and measured: what was broken, for how long ({@code faultMillis}: from the fault
 * to its end — the link up again, the API server back, the killed process running again), and what the client saw:
 * requests through the VIPs that failed, and {@code recoveryMillis}, from the fault to the first answer after the
 * last failure (0 when nothing failed, -1 when traffic did not come back); with long-lived connections
 * ({@code lab chaos --connections}), {@code connectionStallMs}: the longest stall of any of them in the fault's window
 * (-1 without connections).
 */
public record ChaosFault(int n, Kind kind, String target, Instant start, long faultMillis, int failedRequests, long recoveryMillis,
        List<String> violations, String note, long connectionStallMs) {

    public ChaosFault {
        violations = List.copyOf(violations);
    }

    ChaosFault withConnectionStall(long ms) {
        return new ChaosFault(n, kind, target, start, faultMillis, failedRequests, recoveryMillis, violations, note, ms);
    }

    /** The kinds of fault, by their names in output and CSV; {@code conntrackd-kill} only in runs with conntrack sync. */
    public enum Kind {
        CONTROLLER("controller-kill"), AGENT("agent-kill"), KEEPALIVED("keepalived-kill"), API("api-down"), LINK("link-flap"),
        CONNTRACKD("conntrackd-kill");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The kinds a run does: every one, {@code conntrackd-kill} only with conntrack sync. */
        static List<Kind> of(boolean conntrackSync) {
            return Arrays.stream(values()).filter(k -> conntrackSync || k != CONNTRACKD).toList();
        }
    }

    static final String CSV_HEADER = "n,kind,target,start_utc,fault_ms,failed_requests,recovery_ms,violations,note,connections_longest_stall_ms";

    String csv() {
        return n + "," + kind.label + "," + target + "," + start + "," + faultMillis + "," + failedRequests + "," + recoveryMillis + ","
                + violations.size() + "," + note.replace(',', ';') + "," + (connectionStallMs < 0 ? "" : Long.toString(connectionStallMs));
    }
}
