package io.vipkeeper.controller;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An informer that is started afresh (a new list, a new cache) when its watch was lost and then came back.
 *
 * <p>fabric8 resumes a dropped watch from the last resourceVersion it saw, and re-lists only when the server answers
 * 410. An API server that comes back empty (etcd restored or lost) may accept the old resourceVersion: the cache then
 * keeps objects that no longer exist (a deleted Service that still "holds" its address) until the process restarts.
 * A fresh informer lists again, so its cache is what the server has.
 */
final class RelistingInformer<T> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelistingInformer.class);
    /** Polls without a watch before it counts as lost: a routine watch restart (every few minutes) takes milliseconds. */
    static final int LOST_AFTER = 3;

    private final String what;
    private final Supplier<SharedIndexInformer<T>> start;
    private volatile SharedIndexInformer<T> current;
    private int polls;
    private boolean lost;
    /** The current informer has watched at least once (its first watch may take a while to start: not a loss). */
    private boolean watched;
    private volatile boolean closed;

    /** {@code start}: starts a new informer (with its handler). */
    RelistingInformer(String what, Supplier<SharedIndexInformer<T>> start) {
        this.what = what;
        this.start = start;
        this.current = start.get();
    }

    SharedIndexInformer<T> get() {
        return current;
    }

    /**
     * Called periodically from one thread. Returns true when it started a fresh informer (its handler sees every
     * object added again, and the caller should look at everything once it has synced).
     */
    synchronized boolean check() {
        SharedIndexInformer<T> i = current;
        if (closed || !i.hasSynced()) {
            return false;
        }
        if (!i.isWatching()) {
            if (watched && ++polls >= LOST_AFTER && !lost) {
                lost = true;
                LOG.warn("{}: the watch was lost; the cache will be listed afresh once the API server answers again", what);
            }
            return false;
        }
        polls = 0;
        watched = true;
        if (!lost) {
            return false;
        }
        lost = false;
        LOG.info("{}: watching again; listing afresh (objects deleted meanwhile leave the cache)", what);
        current = start.get();
        watched = false;
        i.close();
        return true;
    }

    /** This has seen the current informer watching (from then on, a watch that goes away counts as lost). */
    synchronized boolean seenWatching() {
        return watched;
    }

    /** The watch is lost and the cache will be listed afresh once it is back. */
    synchronized boolean lost() {
        return lost;
    }

    @Override
    public synchronized void close() {
        closed = true;
        current.close();
    }
}
