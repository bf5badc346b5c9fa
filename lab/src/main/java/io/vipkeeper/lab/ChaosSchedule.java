package io.vipkeeper.lab;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Random;

/**
 * The seeded choices of a chaos run: the kinds come out of a shuffled bag (every kind once per round, in a
 * random order, so a short run still sees each), and durations, gaps and targets from the same generator. The seed
 * fixes the kinds, their order, the durations and the gaps; a target can also depend on the lab (which node holds
 * the VIP when the fault comes).
 */
final class ChaosSchedule {

    private final Random random;
    private final List<ChaosFault.Kind> kinds;
    private final Deque<ChaosFault.Kind> bag = new ArrayDeque<>();

    /** {@code kinds}: the run's kinds of fault ({@link ChaosFault.Kind#of}). */
    ChaosSchedule(long seed, List<ChaosFault.Kind> kinds) {
        this.random = new Random(seed);
        this.kinds = List.copyOf(kinds);
    }

    ChaosFault.Kind nextKind() {
        if (bag.isEmpty()) {
            List<ChaosFault.Kind> kinds = new ArrayList<>(this.kinds);
            Collections.shuffle(kinds, random);
            bag.addAll(kinds);
        }
        return bag.poll();
    }

    /** Uniform in [min, max], to the millisecond. */
    Duration between(Duration min, Duration max) {
        long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span <= 0 ? 0 : (long) (random.nextDouble() * (span + 1)));
    }

    boolean coin() {
        return random.nextBoolean();
    }

    /** One of {@code options} (not empty). */
    <T> T pick(List<T> options) {
        return options.get(random.nextInt(options.size()));
    }
}
