package io.vipkeeper.lab.lan;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code udp-flows} running in vk-client: N UDP flows through a VIP to the backends' echo port, a datagram every few
 * ms each, every answer naming the pod and the source it saw. Bounded by its duration; closing this object stops it.
 */
public final class UdpFlows implements AutoCloseable {

    /**
     * One flow at the end: whether answers still came in its last second, how many, the longest time without one, the
     * last one (epoch µs), the pods that answered and the sources they saw, in the order seen; its stalls (gaps of at
     * least 50 ms, in time order).
     */
    public record Flow(int id, boolean answering, long answers, long longestGapMs, long lastAnswerMicros, List<String> pods,
                       List<String> sources, List<Stall> stalls) {
        public Flow {
            pods = List.copyOf(pods);
            sources = List.copyOf(sources);
            stalls = List.copyOf(stalls);
        }

        /** The longest gap overlapping [{@code fromMicros}, {@code toMicros}] (epoch µs), 0 when none did. */
        public long longestGapMs(long fromMicros, long toMicros) {
            return Stall.longestWithin(stalls, fromMicros, toMicros);
        }
    }

    private final List<Flow> flows = new ArrayList<>();
    private final Stall.Reported stalls = new Stall.Reported();
    private final ClientProcess client;

    public UdpFlows(String vip, int port, int count, int intervalMs, int durationS) throws IOException {
        client = new ClientProcess("udp-flows", "64m", List.of("--host", vip, "--port", Integer.toString(port), "--flows",
                Integer.toString(count), "--interval-ms", Integer.toString(intervalMs), "--duration-s", Integer.toString(durationS)),
                this::line);
    }

    /** A line of the report (the client's lock held). */
    private void line(String[] f) {
        if (f.length == 8 && f[0].equals("FLOW")) {
            flows.add(new Flow(Integer.parseInt(f[1]), f[2].equals("answering"), Long.parseLong(f[3]), Long.parseLong(f[4]),
                    Long.parseLong(f[5]), list(f[6]), list(f[7]), List.of()));
        } else {
            stalls.accept(f);
        }
    }

    private static List<String> list(String joined) {
        return joined.equals("-") ? List.of() : List.of(joined.split(","));
    }

    /** Whether every flow had an answer within {@code timeoutMs}. */
    public boolean awaitReady(long timeoutMs) throws InterruptedException {
        return client.awaitReady(timeoutMs);
    }

    /** The flows once the client ended (within {@code timeoutMs}; empty if it did not). */
    public List<Flow> awaitEnd(long timeoutMs) throws InterruptedException {
        if (!client.awaitEnd(timeoutMs)) {
            return List.of();
        }
        synchronized (client) {
            return flows.stream().map(f -> new Flow(f.id(), f.answering(), f.answers(), f.longestGapMs(), f.lastAnswerMicros(), f.pods(),
                    f.sources(), stalls.of(f.id()))).toList();
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
