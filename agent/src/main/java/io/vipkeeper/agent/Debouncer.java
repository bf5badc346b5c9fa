package io.vipkeeper.agent;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Turns a burst of change notifications into few runs: a run is due after {@code quiet} without a new request, but
 * never later than {@code maxDelay} after the first request of the burst; and runs are at least {@code maxDelay}
 * apart, so a burst of T seconds makes at most T / maxDelay + 1 runs. The clock is injected (nanoseconds, as
 * {@link System#nanoTime}) so the timing is tested without waiting.
 */
final class Debouncer {

    /** Why {@link #await} returned. */
    enum Signal {
        /** a run is due (and counted as started) */
        RUN,
        /** nothing was requested for the idle time given */
        IDLE,
        /** closed */
        CLOSED
    }

    private final long quiet;
    private final long maxDelay;
    private final LongSupplier clock;
    private boolean pending;
    private long firstRequest;
    private long lastRequest;
    private boolean ran;
    private long lastRun;
    private boolean closed;
    private boolean running;

    Debouncer(Duration quiet, Duration maxDelay, LongSupplier nanoClock) {
        this.quiet = quiet.toNanos();
        this.maxDelay = maxDelay.toNanos();
        this.clock = nanoClock;
    }

    /** Asks for a run (from any thread). */
    synchronized void request() {
        long now = clock.getAsLong();
        if (!pending) {
            pending = true;
            firstRequest = now;
        }
        lastRequest = now;
        notifyAll();
    }

    /** Whether a request waits for its run. */
    synchronized boolean pending() {
        return pending;
    }

    /** When the pending run is due, on the clock; only meaningful while {@link #pending()}. */
    synchronized long dueAt() {
        long due = Math.min(lastRequest + quiet, firstRequest + maxDelay);
        return ran ? Math.max(due, lastRun + maxDelay) : due;
    }

    /** Starts the pending run if it is due now: true once per run. */
    synchronized boolean takeIfDue() {
        long now = clock.getAsLong();
        if (!pending || now - dueAt() < 0) {
            return false;
        }
        pending = false;
        ran = true;
        running = true;
        lastRun = now;
        return true;
    }

    /** The run that {@link #takeIfDue} or {@link #await} started is over. */
    synchronized void done() {
        running = false;
    }

    /** Nothing requested and no run in progress: everything requested so far has run. */
    synchronized boolean idle() {
        return !pending && !running;
    }

    /**
     * Blocks until a run is due ({@link Signal#RUN}, counted as started), or, when {@code idle} is not null, until
     * nothing was requested for that long ({@link Signal#IDLE}), or until {@link #close}.
     */
    synchronized Signal await(Duration idle) throws InterruptedException {
        long idleFrom = clock.getAsLong();
        while (!closed) {
            if (takeIfDue()) {
                return Signal.RUN;
            }
            long now = clock.getAsLong();
            if (pending) {
                wait(millis(dueAt() - now));
            } else if (idle == null) {
                wait();
            } else {
                long left = idleFrom + idle.toNanos() - now;
                if (left <= 0) {
                    return Signal.IDLE;
                }
                wait(millis(left));
            }
        }
        return Signal.CLOSED;
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    private static long millis(long nanos) {
        return Math.max(1, (nanos + 999_999) / 1_000_000);
    }
}
