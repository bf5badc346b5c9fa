package io.vipkeeper.lab.lan;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code connections} running in vk-client: N long-lived TCP connections through a VIP to the backends' echo port,
 * a short line every 20 ms each, every echo checked. Bounded by its duration; closing this object stops it.
 */
public final class LongLivedConnections implements AutoCloseable {

    /** One connection at the end: alive, reset, hung or error; its longest gap between two echoes; echoes received. */
    public record Result(int id, String state, long longestStallMs, long echoes) {
        public boolean alive() {
            return state.equals("alive");
        }
    }

    private final Process process;
    private final List<Result> results = new ArrayList<>();
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
                            results.add(new Result(Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), Long.parseLong(f[4])));
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
        return ended ? List.copyOf(results) : List.of();
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
