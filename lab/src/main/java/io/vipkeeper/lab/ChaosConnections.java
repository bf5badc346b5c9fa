package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.Stall;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the long-lived connections of a chaos run with conntrack sync say (pure: their report and the faults' windows
 * in, figures and violations out). With sync every connection must survive every fault (one fault at a time leaves
 * two healthy nodes): one that did not is a violation, named with the fault in whose window it went quiet. Outside
 * every window a connection may stall no longer than a new request may take ({@code outsideBoundMs}).
 */
final class ChaosConnections {

    private ChaosConnections() {
    }

    /**
     * {@code longestStallMs}: per fault (in order), the longest stall of any connection in its window; {@code alive}
     * of {@code expected} at the end.
     */
    record Verdict(List<Long> longestStallMs, int alive, int expected, List<Violation> violations) {
        Verdict {
            longestStallMs = List.copyOf(longestStallMs);
            violations = List.copyOf(violations);
        }
    }

    /** A violation and when it began (epoch µs). */
    record Violation(long atMicros, String text) {
    }

    /** A fault as the verdict names it: its number and kind, and its window. */
    record Fault(String name, ChaosTraffic.Window window) {
    }

    static Verdict judge(List<LongLivedConnections.Result> results, int expected, List<Fault> faults, long outsideBoundMs) {
        List<Long> longest = new ArrayList<>();
        for (Fault f : faults) {
            longest.add(results.stream().mapToLong(r -> r.longestStallMs(f.window().fromMicros(), f.window().toMicros())).max().orElse(0));
        }
        List<Violation> out = new ArrayList<>();
        if (results.size() < expected) {
            out.add(new Violation(0, "the connections' client reported on " + results.size() + " of " + expected + " connections"));
        }
        int alive = 0;
        for (LongLivedConnections.Result r : results) {
            if (r.alive()) {
                alive++;
            } else {
                // its last stall runs from its last echo to the end
                long quietFrom = r.stalls().isEmpty() ? 0 : r.stalls().get(r.stalls().size() - 1).fromMicros();
                out.add(new Violation(quietFrom, "connection " + r.id() + " through the echo VIP " + r.state() + " after " + r.echoes()
                        + " echoes" + (quietFrom == 0 ? "" : ", the last at " + Instant.ofEpochSecond(0, quietFrom * 1000) + " " + where(quietFrom, faults))));
                continue;
            }
            for (Stall s : r.stalls()) {
                long to = s.fromMicros() + s.ms() * 1000;
                boolean inAWindow = faults.stream().anyMatch(f -> s.fromMicros() <= f.window().toMicros() && to >= f.window().fromMicros());
                if (!inAWindow && s.ms() >= outsideBoundMs) {
                    out.add(new Violation(s.fromMicros(), "connection " + r.id() + " stalled " + s.ms() + " ms from "
                            + Instant.ofEpochSecond(0, s.fromMicros() * 1000) + ", outside every fault window"));
                }
            }
        }
        return new Verdict(longest, alive, expected, out);
    }

    private static String where(long micros, List<Fault> faults) {
        return faults.stream().filter(f -> f.window().contains(micros)).map(f -> "(in the window of " + f.name() + ")").findFirst()
                .orElse("(outside every fault window)");
    }
}
