package io.vipkeeper.lab.lan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code connections} running in vk-client: N long-lived TCP connections through a VIP to the backends' echo port,
 * a short line every 20 ms each, every echo checked. Bounded by its duration, or ended early by {@link #finish};
 * closing this object stops it.
 */
public final class LongLivedConnections implements AutoCloseable {

    /**
     * One connection at the end: alive, reset, hung or error; its longest gap between two echoes; echoes received; its
     * stalls (gaps of at least 50 ms, in time order).
     */
    public record Result(int id, String state, long longestStallMs, long echoes, List<Stall> stalls) {
        public Result {
            stalls = List.copyOf(stalls);
        }

        public boolean alive() {
            return state.equals("alive");
        }

        /** The longest stall overlapping [{@code fromMicros}, {@code toMicros}] (epoch µs), 0 when none did. */
        public long longestStallMs(long fromMicros, long toMicros) {
            return Stall.longestWithin(stalls, fromMicros, toMicros);
        }

        /** The longest stall outside [{@code fromMicros}, {@code toMicros}], if any. */
        public Optional<Stall> longestStallOutside(long fromMicros, long toMicros) {
            return Stall.longestOutside(stalls, fromMicros, toMicros);
        }
    }

    private final List<Result> results = new ArrayList<>();
    private final Stall.Reported stalls = new Stall.Reported();
    private final ClientProcess client;

    public LongLivedConnections(String vip, int port, int connections, int intervalMs, int durationS) throws IOException {
        client = new ClientProcess("connections", "96m", List.of("--host", vip, "--port", Integer.toString(port), "--connections",
                Integer.toString(connections), "--interval-ms", Integer.toString(intervalMs), "--duration-s",
                Integer.toString(durationS)), this::line);
    }

    /** A line of the report (the client's lock held). */
    private void line(String[] f) {
        if (f.length >= 5 && f[0].equals("CONN")) {
            results.add(new Result(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), Long.parseLong(f[4]), List.of()));
        } else {
            stalls.accept(f);
        }
    }

    /** Whether all connections were open within {@code timeoutMs}. */
    public boolean awaitReady(long timeoutMs) throws InterruptedException {
        return client.awaitReady(timeoutMs);
    }

    /** Ends the connections now, before their duration: {@link #awaitEnd} then has their report. */
    public void finish() {
        client.finish();
    }

    /** The results once the client ended (within {@code timeoutMs}; empty if it did not). */
    public List<Result> awaitEnd(long timeoutMs) throws InterruptedException {
        if (!client.awaitEnd(timeoutMs)) {
            return List.of();
        }
        synchronized (client) {
            return results.stream().map(r -> new Result(r.id(), r.state(), r.longestStallMs(), r.echoes(), stalls.of(r.id()))).toList();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
