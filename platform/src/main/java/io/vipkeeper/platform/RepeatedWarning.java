package io.vipkeeper.platform;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A warning about a condition a loop meets again and again (an agent whose Node is not listed yet retries every
 * second): written when it first appears or changes, then at most once per interval while it stays, with how often
 * it was met meanwhile. One line each time, never a stack trace: the message says what is wrong.
 */
public final class RepeatedWarning {

    private final Consumer<String> log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private String last;
    private long lastLogged;
    private int suppressed;

    public RepeatedWarning(Consumer<String> log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    RepeatedWarning(Consumer<String> log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Reports {@code message}; returns whether it was written. */
    public synchronized boolean warn(String message) {
        long now = nanoTime.getAsLong();
        if (Objects.equals(message, last) && now - lastLogged < intervalNanos) {
            suppressed++;
            return false;
        }
        log.accept(suppressed == 0 || !Objects.equals(message, last) ? message
                : message + " (again " + suppressed + " time" + (suppressed == 1 ? "" : "s") + " since)");
        last = message;
        lastLogged = now;
        suppressed = 0;
        return true;
    }

    /** The condition is gone: the next warning is written at once. */
    public synchronized void clear() {
        last = null;
        suppressed = 0;
    }
}
