package io.vipkeeper.platform.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a long-running child process (keepalived, haproxy) alive: its output goes to our log line by line,
 * and when it exits it is started again after a backoff that doubles up to a limit and resets once the child
 * has stayed up for a while. {@link #stop} sends SIGTERM, then SIGKILL after a grace period.
 */
public final class Supervisor implements AutoCloseable {

    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Duration STABLE = Duration.ofSeconds(30);

    private final String name;
    private final List<String> command;
    private final Logger log;
    private final Runnable beforeStart;
    private final Consumer<String> onLine;
    private final AtomicReference<Process> current = new AtomicReference<>();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile boolean running;
    private Thread thread;

    /** {@code beforeStart} runs before every start (e.g. to clear what a killed child left behind). */
    public Supervisor(String name, List<String> command, Runnable beforeStart) {
        this(name, command, beforeStart, line -> { });
    }

    /** As above; {@code onLine} also gets each line of the child's output, once logged, on the output's thread. */
    public Supervisor(String name, List<String> command, Runnable beforeStart, Consumer<String> onLine) {
        this.name = name;
        this.command = List.copyOf(command);
        this.log = LoggerFactory.getLogger(name);
        this.beforeStart = beforeStart;
        this.onLine = onLine;
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::superviseLoop, name + "-supervisor");
        thread.setDaemon(true);
        thread.start();
    }

    /** The running child, if any. */
    public Process process() {
        return current.get();
    }

    public boolean alive() {
        Process p = current.get();
        return p != null && p.isAlive();
    }

    /** How many times the child was started again after exiting. */
    public int restarts() {
        return restarts.get();
    }

    private void superviseLoop() {
        Duration backoff = MIN_BACKOFF;
        boolean first = true;
        while (running) {
            long started = System.nanoTime();
            beforeStart.run();
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                log.error("cannot start {}: {}", command.get(0), e.getMessage());
                Sleep.millis(backoff.toMillis());
                backoff = next(backoff);
                continue;
            }
            if (!first) {
                restarts.incrementAndGet();
            }
            first = false;
            current.set(p);
            log.info("started {} (pid {})", name, p.pid());
            pump(p);
            int code = waitFor(p);
            current.set(null);
            if (!running) {
                return;
            }
            if (Duration.ofNanos(System.nanoTime() - started).compareTo(STABLE) > 0) {
                backoff = MIN_BACKOFF;
            }
            log.warn("{} exited with code {}; starting it again in {} ms", name, code, backoff.toMillis());
            Sleep.millis(backoff.toMillis());
            backoff = next(backoff);
        }
    }

    private void pump(Process p) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    log.info("{}", line);
                    try {
                        onLine.accept(line);
                    } catch (RuntimeException e) {
                        // the output must still be read, or the child blocks on a full pipe
                        log.warn("handling a line of {}'s output failed: {}", name, e.toString());
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, name + "-output");
        t.setDaemon(true);
        t.start();
    }

    private static int waitFor(Process p) {
        while (true) {
            try {
                return p.waitFor();
            } catch (InterruptedException e) {
                // keep waiting: stop() ends the child, and then this returns
            }
        }
    }

    private static Duration next(Duration d) {
        Duration n = d.multipliedBy(2);
        return n.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : n;
    }

    /** Stops the child: SIGTERM, then SIGKILL after {@code grace}. */
    public void stop(Duration grace) {
        running = false;
        Process p = current.get();
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("{} did not stop within {} ms; killing it", name, grace.toMillis());
                    p.destroyForcibly();
                    p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
