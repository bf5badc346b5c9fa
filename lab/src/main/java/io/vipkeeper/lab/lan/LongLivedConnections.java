package io.vipkeeper.lab.lan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code connections} running in vk-client: N long-lived TCP connections through a VIP to the backends' echo port,
 * a short line every 20 ms each, every echo checked. Bounded by its duration; closing this object stops it.
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
            return stalls.stream().filter(s -> s.fromMicros() <= toMicros && s.fromMicros() + s.ms() * 1000 >= fromMicros)
                    .mapToLong(Stall::ms).max().orElse(0);
        }

        /** The longest stall outside [{@code fromMicros}, {@code toMicros}], if any. */
        public Optional<Stall> longestStallOutside(long fromMicros, long toMicros) {
            return stalls.stream().filter(s -> s.fromMicros() > toMicros || s.fromMicros() + s.ms() * 1000 < fromMicros)
                    .max(Comparator.comparingLong(Stall::ms));
        }
    }

    /** No echo from {@code fromMicros} (epoch µs, the last echo before it) for {@code ms}. */
    public record Stall(long fromMicros, long ms) {
    }

    private final Process process;
    private final List<Result> results = new ArrayList<>();
    private final Map<Integer, List<Stall>> stalls = new HashMap<>();
    private boolean ready;
    private boolean ended;

    public LongLivedConnections(String vip, int port, int connections, int intervalMs, int durationS) throws IOException {
        List<String> cmd = ChildJvm.command(AddressPlan.CLIENT_NS, null, List.of(), "96m", "connections", List.of("--host", vip,
                "--port", Integer.toString(port), "--connections", Integer.toString(connections), "--interval-ms",
                Integer.toString(intervalMs), "--duration-s", Integer.toString(durationS)));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    synchronized (this) {
                        if (line.equals("READY")) {
                            ready = true;
                        } else if (line.equals("END")) {
                            ended = true;
                        } else if (f.length >= 5 && f[0].equals("CONN")) {
                            results.add(new Result(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), Long.parseLong(f[4]), List.of()));
                        } else if (f.length == 4 && f[0].equals("GAP")) {
                            stalls.computeIfAbsent(Integer.parseInt(f[1]), k -> new ArrayList<>())
                                    .add(new Stall(Long.parseLong(f[2]), Long.parseLong(f[3])));
                        }
                        notifyAll();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the client ended
            }
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }, "connections-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Whether all connections were open within {@code timeoutMs}. */
    public synchronized boolean awaitReady(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!ready && !ended && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        return ready;
    }

    /** The results once the client ended (within {@code timeoutMs}; empty if it did not). */
    public synchronized List<Result> awaitEnd(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!ended && System.nanoTime() < deadline) {
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        if (!ended) {
            return List.of();
        }
        return results.stream().map(r -> new Result(r.id(), r.state(), r.longestStallMs(), r.echoes(),
                stalls.getOrDefault(r.id(), List.of()).stream().sorted(Comparator.comparingLong(Stall::fromMicros)).toList())).toList();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
