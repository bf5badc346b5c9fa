package io.vipkeeper.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import io.vipkeeper.platform.Flags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vipkeeper lab probe}: sends one HTTP request every {@code --interval-ms} (each on a new connection, so a
 * failover is seen at once, with at most {@code --parallel} in flight) and prints one line per answer:
 * {@code OK SENT_US DONE_US BODY} or {@code ERR SENT_US DONE_US EXCEPTION/PHASE@CLIENT_PORT} (epoch microseconds;
 * PHASE {@code connect} or {@code read}). Bounded by
 * {@code --count} and {@code --duration-s}, and by end of input on stdin when {@code --until-stdin-closes}.
 */
@Command(name = "probe", hidden = true, mixinStandardHelpOptions = true, description = "Sends bounded HTTP requests to a URL and prints each answer (started by the lab).")
public final class LabProbeCommand implements Callable<Integer> {

    @Option(names = "--host", required = true, converter = Flags.Host.class)
    String host;

    @Option(names = "--port", defaultValue = "80", converter = Flags.Port.class)
    int port;

    @Option(names = "--interval-ms", defaultValue = "10", converter = Positive.class)
    int intervalMs;

    @Option(names = "--timeout-ms", defaultValue = "1000", converter = Positive.class)
    int timeoutMs;

    @Option(names = "--count", defaultValue = "100000", converter = Positive.class, description = "At most this many requests.")
    int count;

    @Option(names = "--duration-s", defaultValue = "600", converter = Seconds.class, description = "At most this long (1 to 3600).")
    int durationS;

    @Option(names = "--parallel", defaultValue = "100", converter = Parallel.class)
    int parallel;

    static final class Positive extends Flags.IntRange {
        Positive() {
            super(1, 10_000_000, "a positive number");
        }
    }

    static final class Seconds extends Flags.IntRange {
        Seconds() {
            super(1, 3600, "seconds");
        }
    }

    static final class Parallel extends Flags.IntRange {
        Parallel() {
            super(1, 1000, "a number of requests in flight");
        }
    }

    private final ClientPorts ports = ClientPorts.fromKernelRange();

    @Option(names = "--until-stdin-closes", description = "Also stop when stdin closes (the parent went away).")
    boolean untilStdinCloses;

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintStream out = System.out;
        long end = System.nanoTime() + Math.min(durationS, 3600) * 1_000_000_000L;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(parallel, parallel, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        // all threads now: started one per request (the pool's way), the first --parallel requests cost a thread each
        pool.prestartAllCoreThreads();
        // --parallel in flight: this tick's request is skipped, never queued (a thread just started and not yet
        // waiting for work counts as free here; with a hand-off queue it had the first requests dropped)
        Semaphore inFlight = new Semaphore(parallel);
        if (untilStdinCloses) {
            Thread watch = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // discard
                    }
                } catch (IOException e) {
                    // closed
                }
                Runtime.getRuntime().halt(0);
            });
            watch.setDaemon(true);
            watch.start();
        }
        long next = System.nanoTime();
        for (int i = 0; i < count && System.nanoTime() < end; i++) {
            if (inFlight.tryAcquire()) {
                pool.execute(() -> {
                    try {
                        requestOnce(out);
                    } finally {
                        inFlight.release();
                    }
                });
            }
            next += intervalMs * 1_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        pool.shutdown();
        pool.awaitTermination(timeoutMs * 2L, TimeUnit.MILLISECONDS);
        out.flush();
        return 0;
    }

    /** One request and its line. */
    private void requestOnce(PrintStream out) {
        long sent = micros();
        String line;
        int[] localPort = {0};
        boolean[] connected = {false};
        try {
            String body = get(localPort, connected);
            line = "OK " + sent + " " + micros() + " " + body;
        } catch (IOException | RuntimeException e) { // every request gets its line
            // one token: the exception, the phase and the client port, to find the connection in a capture
            line = "ERR " + sent + " " + micros() + " " + e.getClass().getSimpleName() + "/"
                    + (connected[0] ? "read" : "connect") + "@" + localPort[0];
        }
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /**
     * One GET on a new connection; returns the first line of the body. The client port is bound before connecting, so
     * that it is known also for a connection that never opened ({@code localPort}); {@code connected} says how far it
     * got. Ports are taken in turn from the ephemeral range ({@link ClientPorts}), as the kernel does per destination
     * on connect: a free port picked at random (bind to port 0) was used again within seconds, and a port used again
     * within the 2 minutes of TIME_WAIT is a rarer case that a probe must not make common.
     */
    private String get(int[] localPort, boolean[] connected) throws IOException {
        try (Socket s = new Socket()) {
            localPort[0] = ports.bind(s);
            s.connect(new InetSocketAddress(host, port), timeoutMs);
            connected[0] = true;
            s.setSoTimeout(timeoutMs);
            OutputStream o = s.getOutputStream();
            o.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            if (!response.startsWith("HTTP/1.") || !response.substring(9).startsWith("200")) {
                throw new IOException("bad answer: " + response.lines().findFirst().orElse(""));
            }
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? "" : response.substring(body + 4).strip();
        }
    }
}
