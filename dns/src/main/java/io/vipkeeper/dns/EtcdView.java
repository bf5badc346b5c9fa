package io.vipkeeper.dns;

import io.vipkeeper.core.dns.EtcdMirror;
import io.vipkeeper.core.dns.RecordTable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link RecordTable} equal to everything under an etcd prefix: one paged listing, then a watch from
 * the next revision. When the watch ends (compaction, etcd replaced), it lists again. Queries and plans read
 * the table, never etcd.
 */
public final class EtcdView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EtcdView.class);

    private final EtcdStore store;
    private final String prefix;
    private final RecordTable table;
    private final List<EtcdMirror> mirrors;
    private final Runnable onChange;
    private final Runnable onError;
    private final AtomicLong revision = new AtomicLong();
    private volatile boolean synced;
    private volatile boolean closed;
    private volatile CountDownLatch watchLost = new CountDownLatch(1);
    private final Thread thread;

    public EtcdView(EtcdStore store, String prefix, RecordTable table, Runnable onChange, Runnable onError) {
        this(store, prefix, table, List.of(), onChange, onError);
    }

    /** {@code also}: more copies of the same entries (each keeps what it reads, e.g. {@code FederationMembers}). */
    public EtcdView(EtcdStore store, String prefix, RecordTable table, List<EtcdMirror> also, Runnable onChange, Runnable onError) {
        this.store = store;
        this.prefix = prefix;
        this.table = table;
        List<EtcdMirror> all = new ArrayList<>();
        all.add(table);
        all.addAll(also);
        this.mirrors = List.copyOf(all);
        this.onChange = onChange;
        this.onError = onError;
        this.thread = new Thread(this::run, "etcd-view");
        this.thread.setDaemon(true);
    }

    public EtcdView start() {
        thread.start();
        return this;
    }

    public RecordTable table() {
        return table;
    }

    /** True once the first listing is in. */
    public boolean synced() {
        return synced;
    }

    /** The etcd revision the table reflects (used as the SOA serial). */
    public long revision() {
        return revision.get();
    }

    /** Waits (bounded) for the first listing. */
    public boolean awaitSynced(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!synced && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return synced;
    }

    private void run() {
        long backoff = 200;
        while (!closed) {
            AutoCloseable watch = null;
            try {
                EtcdStore.Listing listing = store.list(prefix);
                mirrors.forEach(m -> m.reset(listing.entries()));
                revision.set(listing.revision());
                synced = true;
                backoff = 200;
                onChange.run();
                CountDownLatch lost = new CountDownLatch(1);
                watchLost = lost;
                watch = store.watch(prefix, listing.revision() + 1, changes -> {
                    boolean changed = false;
                    for (EtcdStore.Change c : changes) {
                        for (EtcdMirror m : mirrors) {
                            changed |= m.apply(c.key(), c.value());
                        }
                        revision.accumulateAndGet(c.revision(), Math::max);
                    }
                    if (changed) {
                        onChange.run();
                    }
                }, err -> {
                    if (!closed) {
                        LOG.warn("etcd watch on {} ended ({}); listing again", prefix, err.getMessage());
                    }
                    lost.countDown();
                });
                while (!closed && !lost.await(1, TimeUnit.SECONDS)) {
                    // wait for the watch to end or for close()
                }
            } catch (EtcdStore.EtcdException e) {
                onError.run();
                LOG.warn("etcd: {} (retrying in {} ms)", e.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                onError.run();
                LOG.warn("etcd view: {}", e.toString());
                sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            } finally {
                if (watch != null) {
                    try {
                        watch.close();
                    } catch (Exception ignored) {
                        // closing a dead watch can fail; nothing to do
                    }
                }
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        watchLost.countDown();
        thread.interrupt();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
