package io.vipkeeper.lab.lan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** min / median / p95 / max of a list of durations in milliseconds (nearest-rank percentiles, no interpolation). */
public record FailoverStats(int count, long min, long median, long p95, long max) {

    public static FailoverStats of(List<Long> millis) {
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        List<Long> s = new ArrayList<>(millis);
        Collections.sort(s);
        return new FailoverStats(s.size(), s.get(0), percentile(s, 50), percentile(s, 95), s.get(s.size() - 1));
    }

    /** Nearest rank: the smallest sample with at least p% of the samples at or below it. */
    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    @Override
    public String toString() {
        return "rounds " + count + ": min " + min + " ms, median " + median + " ms, p95 " + p95 + " ms, max " + max + " ms";
    }
}
