package io.vipkeeper.lab.lan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** No answer on a connection or flow from {@code fromMicros} (epoch µs, the last answer before it) for {@code ms}. */
public record Stall(long fromMicros, long ms) {

    /** The longest of {@code stalls} overlapping [{@code fromMicros}, {@code toMicros}] (epoch µs), 0 when none did. */
    public static long longestWithin(List<Stall> stalls, long fromMicros, long toMicros) {
        return stalls.stream().filter(s -> s.fromMicros() <= toMicros && s.fromMicros() + s.ms() * 1000 >= fromMicros)
                .mapToLong(Stall::ms).max().orElse(0);
    }

    /** The longest of {@code stalls} outside [{@code fromMicros}, {@code toMicros}], if any. */
    public static Optional<Stall> longestOutside(List<Stall> stalls, long fromMicros, long toMicros) {
        return stalls.stream().filter(s -> s.fromMicros() > toMicros || s.fromMicros() + s.ms() * 1000 < fromMicros)
                .max(Comparator.comparingLong(Stall::ms));
    }

    /** The {@code GAP ID FROM_US MS} lines of an echo client's report, by connection or flow. */
    static final class Reported {
        private final Map<Integer, List<Stall>> byId = new HashMap<>();

        /** Keeps {@code words} when they are a GAP line; whether they were. */
        boolean accept(String[] words) {
            if (words.length != 4 || !words[0].equals("GAP")) {
                return false;
            }
            byId.computeIfAbsent(Integer.parseInt(words[1]), k -> new ArrayList<>())
                    .add(new Stall(Long.parseLong(words[2]), Long.parseLong(words[3])));
            return true;
        }

        /** Connection or flow {@code id}'s stalls, in time order. */
        List<Stall> of(int id) {
            return byId.getOrDefault(id, List.of()).stream().sorted(Comparator.comparingLong(Stall::fromMicros)).toList();
        }
    }
}
