package io.vipkeeper.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The pace of the lab's echo clients: N senders, each sending every interval, spread evenly over it (not all in one
 * burst), on the client's one thread, which waits for answers in between.
 */
final class SendPacer {

    private final long interval;
    private final long end;
    private final long[] next;
    /** When the input closed ({@link #endWhenClosed}), else {@link Long#MAX_VALUE}. */
    private volatile long closedAt = Long.MAX_VALUE;

    /** {@code senders} senders every {@code intervalMs} from now until {@code endNanos} ({@link System#nanoTime}). */
    SendPacer(int senders, int intervalMs, long endNanos) {
        interval = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        end = endNanos;
        next = new long[senders];
        long start = System.nanoTime();
        for (int i = 0; i < senders; i++) {
            next[i] = start + interval * i / senders;
        }
    }

    /**
     * Ends the sending early once {@code input} (the process's standard input) closes: the lab that started it is done
     * with it (or gone, which leaves no client running on).
     */
    SendPacer endWhenClosed(InputStream input) {
        Thread t = new Thread(() -> {
            try {
                while (input.read() >= 0) {
                    // nothing is sent on it: only its end counts
                }
            } catch (IOException e) {
                // closed as well
            }
            closedAt = System.nanoTime();
        }, "input-watch");
        t.setDaemon(true);
        t.start();
        return this;
    }

    /** Whether the end has not come yet. */
    boolean running() {
        long now = System.nanoTime();
        return now < end && now < closedAt;
    }

    /** The end ({@link System#nanoTime}): the one given, or when the input closed if that came first. */
    long end() {
        return Math.min(end, closedAt);
    }

    /**
     * Calls {@code send} for every sender whose time has come, then waits on {@code selector} until the next one's
     * (or the end), returning as soon as a channel is ready.
     */
    void sendThenSelect(IntConsumer send, Selector selector) throws IOException {
        long now = System.nanoTime();
        long soonest = end;
        for (int i = 0; i < next.length; i++) {
            if (next[i] <= now) {
                send.accept(i);
                next[i] += interval;
            }
            soonest = Math.min(soonest, next[i]);
        }
        long waitMs = Math.max(0, (soonest - System.nanoTime()) / 1_000_000);
        if (waitMs == 0) {
            selector.selectNow();
        } else {
            selector.select(waitMs);
        }
    }
}
