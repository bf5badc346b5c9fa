package io.vipkeeper.controller;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Keys of Services that changed, deduplicated, plus a flag for the VIP ConfigMap. The reconciler takes
 * everything at once after a short delay, so a burst of changes becomes one batch (and one ConfigMap write).
 */
final class WorkQueue {

    record Batch(Set<String> services, boolean configMap, boolean resync, boolean nodes, boolean pools, boolean namespaces) {
    }

    private final Set<String> services = new LinkedHashSet<>();
    private boolean configMap;
    private boolean resync;
    private boolean nodes;
    private boolean pools;
    private boolean namespaces;
    private boolean closed;

    synchronized void addService(String key) {
        services.add(key);
        notifyAll();
    }

    synchronized void configMapChanged() {
        configMap = true;
        notifyAll();
    }

    /** A Node changed (its addresses may have). */
    synchronized void nodesChanged() {
        nodes = true;
        notifyAll();
    }

    /** A VipPool object changed (or whether they are served became known). */
    synchronized void poolsChanged() {
        pools = true;
        notifyAll();
    }

    /** A Namespace changed (its labels may have: pools' namespaceSelector). */
    synchronized void namespacesChanged() {
        namespaces = true;
        notifyAll();
    }

    /** Everything must be looked at again (leadership gained). */
    synchronized void resync() {
        resync = true;
        notifyAll();
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Waits for work, then for {@code gather} more, and returns it all; null once closed. */
    Batch take(Duration gather) throws InterruptedException {
        synchronized (this) {
            while (!closed && services.isEmpty() && !configMap && !resync && !nodes && !pools && !namespaces) {
                wait();
            }
            if (closed) {
                return null;
            }
        }
        if (!gather.isZero()) {
            Thread.sleep(gather.toMillis());
        }
        synchronized (this) {
            Batch b = new Batch(new LinkedHashSet<>(services), configMap, resync, nodes, pools, namespaces);
            services.clear();
            configMap = false;
            resync = false;
            nodes = false;
            pools = false;
            namespaces = false;
            return b;
        }
    }
}
