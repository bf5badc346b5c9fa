package io.vipkeeper.lab;

import io.vipkeeper.platform.Flags;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code connections} (a child of the lab, run in vk-client): {@code --connections N} long-lived TCP connections to
 * an echo service, each sending a short numbered line every {@code --interval-ms} and checking that exactly that line
 * comes back. Prints {@code READY} once all are open, and at the end one line per connection:
 * {@code CONN ID alive|reset|hung|error LONGEST_STALL_MS ECHOES LAST_ECHO_US} ({@code alive}: echoes still came in the last
 * second; {@code hung}: no error, but no echo for longer), each followed by its stalls, {@code GAP ID FROM_US MS}: every gap
 * between two echoes (or from the last echo to the end) of at least {@link #GAP_MS} (at most {@link #MAX_GAPS} per
 * connection; times as epoch microseconds, so the lab can tell a stall at the failover from one elsewhere), then
 * {@code END}. Bounded by {@code --duration-s}.
 */
@Command(name = "connections", hidden = true, mixinStandardHelpOptions = true,
        description = "Long-lived TCP connections to an echo port, each checked every few ms (started by the lab).")
public final class LabConnectionsCommand implements Callable<Integer> {

    @Option(names = "--host", required = true, converter = Flags.Host.class)
    String host;

    @Option(names = "--port", defaultValue = "9000", converter = Flags.Port.class)
    int port;

    @Option(names = "--connections", defaultValue = "50", converter = Count.class)
    int connections;

    @Option(names = "--interval-ms", defaultValue = "20", converter = LabProbeCommand.Positive.class)
    int intervalMs;

    @Option(names = "--duration-s", defaultValue = "20", converter = LabProbeCommand.Seconds.class)
    int durationS;

    static final class Count extends Flags.IntRange {
        Count() {
            super(1, 1000, "a number of connections");
        }
    }

    /** A gap between two echoes reported as a stall: 2.5 sending intervals at the default 20 ms (scheduling jitter stays below). */
    static final long GAP_MS = 50;
    static final int MAX_GAPS = 1000;

    /** One connection's record, written by its reader thread. */
    static final class Conn {
        final int id;
        volatile long lastEchoNanos;
        volatile long longestStallNanos;
        /** Gaps of at least {@link #GAP_MS}: start (nanoTime) and length in ns, pairs; read once the reader ended. */
        final List<long[]> gaps = Collections.synchronizedList(new ArrayList<>());
        volatile long echoes;
        volatile String failure;
        volatile boolean reset;

        Conn(int id) {
            this.id = id;
        }
    }

    @Override
    public Integer call() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS);
        List<Conn> conns = new ArrayList<>();
        List<Socket> sockets = new ArrayList<>();
        for (int i = 1; i <= connections; i++) {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), 3000);
            sockets.add(s);
            conns.add(new Conn(i));
        }
        CountDownLatch done = new CountDownLatch(connections);
        long start = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            Conn c = conns.get(i);
            Socket s = sockets.get(i);
            c.lastEchoNanos = start;
            Thread reader = new Thread(() -> read(c, s, done), "read-" + c.id);
            reader.setDaemon(true);
            reader.start();
            Thread writer = new Thread(() -> write(c, s, end), "write-" + c.id);
            writer.setDaemon(true);
            writer.start();
        }
        System.out.println("READY");
        System.out.flush();
        long now;
        while ((now = System.nanoTime()) < end) {
            Thread.sleep(Math.min(100, Math.max(1, (end - now) / 1_000_000)));
        }
        for (Socket s : sockets) {
            s.close(); // ends the readers
        }
        done.await(5, TimeUnit.SECONDS);
        long at = System.nanoTime();
        long epochOffsetUs = System.currentTimeMillis() * 1000 - at / 1000;
        for (Conn c : conns) {
            long stall = Math.max(c.longestStallNanos, end - c.lastEchoNanos);
            String state = c.reset ? "reset" : c.failure != null ? "error" : end - c.lastEchoNanos < 1_000_000_000L ? "alive" : "hung";
            System.out.printf("CONN %d %s %d %d %d%n", c.id, state, stall / 1_000_000, c.echoes, epochOffsetUs + c.lastEchoNanos / 1000);
            List<long[]> gaps = new ArrayList<>(c.gaps);
            if (end - c.lastEchoNanos >= TimeUnit.MILLISECONDS.toNanos(GAP_MS)) {
                gaps.add(new long[] {c.lastEchoNanos, end - c.lastEchoNanos});
            }
            for (long[] g : gaps) {
                System.out.printf("GAP %d %d %d%n", c.id, epochOffsetUs + g[0] / 1000, g[1] / 1_000_000);
            }
        }
        System.out.println("END");
        System.out.flush();
        return 0;
    }

    private void write(Conn c, Socket s, long end) {
        try {
            OutputStream out = s.getOutputStream();
            long next = System.nanoTime();
            for (long seq = 1; System.nanoTime() < end && c.failure == null; seq++) {
                out.write(line(c.id, seq));
                out.flush();
                next += TimeUnit.MILLISECONDS.toNanos(intervalMs);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            }
        } catch (IOException e) {
            fail(c, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] line(int id, long seq) {
        return (id + " " + seq + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void read(Conn c, Socket s, CountDownLatch done) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            long expected = 1;
            String l;
            while ((l = in.readLine()) != null) {
                if (!l.equals(c.id + " " + expected)) {
                    c.failure = "expected \"" + c.id + " " + expected + "\", got \"" + l + "\"";
                    return;
                }
                expected++;
                long now = System.nanoTime();
                long gap = now - c.lastEchoNanos;
                c.longestStallNanos = Math.max(c.longestStallNanos, gap);
                if (gap >= TimeUnit.MILLISECONDS.toNanos(GAP_MS) && c.gaps.size() < MAX_GAPS) {
                    c.gaps.add(new long[] {c.lastEchoNanos, gap});
                }
                c.lastEchoNanos = now;
                c.echoes++;
            }
            if (!s.isClosed()) {
                c.failure = "closed by the peer";
            }
        } catch (IOException e) {
            if (!s.isClosed()) {
                fail(c, e);
            }
        } finally {
            done.countDown();
        }
    }

    private static void fail(Conn c, IOException e) {
        if (e instanceof SocketException && String.valueOf(e.getMessage()).toLowerCase().contains("reset")) {
            c.reset = true;
        }
        if (c.failure == null) {
            c.failure = String.valueOf(e.getMessage());
        }
    }
}
