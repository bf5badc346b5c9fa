package io.vipkeeper.lab;

import java.time.Instant;
import java.util.List;

/**
 * One fault of a chaos run, as done and measured: what was broken, for how long ({@code faultMillis}: from the fault
 * to its end — the link up again, the API server back, the killed process running again), and what the client saw:
 * requests through the VIPs that failed, and {@code recoveryMillis}, from the fault to the first answer after the
 * last failure (0 when nothing failed, -1 when traffic did not come back).
 */
public record ChaosFault(int n, Kind kind, String target, Instant start, long faultMillis, int failedRequests, long recoveryMillis,
        List<String> violations, String note) {

    public ChaosFault {
        violations = List.copyOf(violations);
    }

    /** The kinds of fault, by their names in output and CSV. */
    public enum Kind {
        CONTROLLER("controller-kill"), AGENT("agent-kill"), KEEPALIVED("keepalived-kill"), API("api-down"), LINK("link-flap");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    static final String CSV_HEADER = "n,kind,target,start_utc,fault_ms,failed_requests,recovery_ms,violations,note";

    String csv() {
        return n + "," + kind.label + "," + target + "," + start + "," + faultMillis + "," + failedRequests + "," + recoveryMillis + ","
                + violations.size() + "," + note.replace(',', ';');
    }
}
