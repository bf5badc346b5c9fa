package io.vipkeeper.lab;

import io.vipkeeper.lab.lan.ProbeStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What the client's requests through the VIPs say about faults (pure: answers in, figures out). A fault's window runs
 * from {@code lead} before it (a request sent just before may fail because of it: up to the probe's timeout) to
 * {@code bound} after its end; traffic must be flowing again by then. A failed request outside every window is a
 * violation by itself.
 */
final class ChaosTraffic {

    private ChaosTraffic() {
    }

    /** From/to in epoch microseconds. */
    record Window(long fromMicros, long toMicros) {
        boolean contains(long micros) {
            return micros >= fromMicros && micros < toMicros;
        }
    }

    /**
     * A fault's effect on one probe's answers: requests failed in its window, and the time from the fault to the first
     * answer after the last failure (0 when none failed, -1 when none came); {@code inBound}: that answer came before
     * the window closed.
     */
    record Impact(int failed, long recoveryMillis, boolean inBound) {
        static final Impact NONE = new Impact(0, 0, true);

        /** Two probes (two VIPs): failures add up, the slower recovery counts. */
        Impact and(Impact o) {
            long r = recoveryMillis < 0 || o.recoveryMillis < 0 ? -1 : Math.max(recoveryMillis, o.recoveryMillis);
            return new Impact(failed + o.failed, r, inBound && o.inBound);
        }
    }

    static Impact impact(List<ProbeStream.Answer> answers, long startMicros, Window window) {
        List<ProbeStream.Answer> failed = answers.stream().filter(a -> !a.ok() && window.contains(a.sentMicros())).toList();
        if (failed.isEmpty()) {
            return Impact.NONE;
        }
        long lastFailure = failed.stream().mapToLong(ProbeStream.Answer::sentMicros).max().orElseThrow();
        long firstOk = answers.stream().filter(a -> a.ok() && a.sentMicros() > lastFailure).mapToLong(ProbeStream.Answer::doneMicros).min()
                .orElse(-1);
        if (firstOk < 0) {
            return new Impact(failed.size(), -1, false);
        }
        return new Impact(failed.size(), Math.max(0, (firstOk - startMicros) / 1000), firstOk <= window.toMicros());
    }

    /** Failed requests close together (less than a second apart), outside every fault window, and how they failed. */
    record Burst(long fromMicros, long toMicros, int count, SortedSet<String> reasons) {
    }

    static List<Burst> outside(List<ProbeStream.Answer> answers, List<Window> windows) {
        List<ProbeStream.Answer> failed = answers.stream().filter(a -> !a.ok())
                .filter(a -> windows.stream().noneMatch(w -> w.contains(a.sentMicros())))
                .sorted(Comparator.comparingLong(ProbeStream.Answer::sentMicros)).toList();
        List<Burst> out = new ArrayList<>();
        for (ProbeStream.Answer a : failed) {
            Burst last = out.isEmpty() ? null : out.get(out.size() - 1);
            String reason = a.from() + " after " + (a.doneMicros() - a.sentMicros()) / 1000 + " ms";
            if (last != null && a.sentMicros() - last.toMicros() < 1_000_000) {
                SortedSet<String> reasons = new TreeSet<>(last.reasons());
                reasons.add(reason);
                out.set(out.size() - 1, new Burst(last.fromMicros(), a.sentMicros(), last.count() + 1, reasons));
            } else {
                out.add(new Burst(a.sentMicros(), a.sentMicros(), 1, new TreeSet<>(List.of(reason))));
            }
        }
        return out;
    }
}
