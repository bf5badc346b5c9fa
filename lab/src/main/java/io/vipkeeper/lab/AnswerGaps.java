package io.vipkeeper.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The answers of one connection or flow of the lab's echo clients: when the last came, the longest time between two,
 * and every such gap of at least {@link #GAP_MS} (at most {@link #MAX_GAPS}), so the lab can tell a stall at the
 * failover from one elsewhere. Only the client's one thread touches it.
 */
final class AnswerGaps {

    /** A gap reported as a stall: 2.5 sending intervals at the default 20 ms (scheduling jitter stays below). */
    static final long GAP_MS = 50;
    static final int MAX_GAPS = 1000;
    private static final long GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(GAP_MS);

    /** Start (nanoTime) and length in ns, pairs. */
    private final List<long[]> gaps = new ArrayList<>();
    private long last;
    private long longest;
    private long answers;

    /** Counting from {@code startNanos}, as if an answer had come then. */
    AnswerGaps(long startNanos) {
        last = startNanos;
    }

    /** An answer at {@code at} (nanoTime). */
    void answer(long at) {
        long gap = at - last;
        longest = Math.max(longest, gap);
        if (gap >= GAP_NANOS && gaps.size() < MAX_GAPS) {
            gaps.add(new long[] {last, gap});
        }
        last = at;
        answers++;
    }

    long answers() {
        return answers;
    }

    long lastNanos() {
        return last;
    }

    /** Whether an answer came in the last second before {@code end}. */
    boolean answeredLately(long end) {
        return end - last < 1_000_000_000L;
    }

    /** The longest gap, the one from the last answer to {@code end} included, in ms. */
    long longestMs(long end) {
        return Math.max(longest, end - last) / 1_000_000;
    }

    /** {@code GAP ID FROM_US MS} lines (epoch µs, by {@code epochOffsetUs}): every gap, and the one from the last answer to {@code end}. */
    List<String> lines(int id, long epochOffsetUs, long end) {
        List<long[]> all = new ArrayList<>(gaps);
        if (end - last >= GAP_NANOS) {
            all.add(new long[] {last, end - last});
        }
        return all.stream().map(g -> "GAP " + id + " " + (epochOffsetUs + g[0] / 1000) + " " + g[1] / 1_000_000).toList();
    }

    /** What to add to a {@link System#nanoTime} in µs to get epoch µs. */
    static long epochOffsetUs() {
        return System.currentTimeMillis() * 1000 - System.nanoTime() / 1000;
    }
}
