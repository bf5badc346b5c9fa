package io.vipkeeper.dns;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.vipkeeper.core.dns.RecordDiff;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** The few etcd v3 operations DNS needs, each bounded in time (jetcd futures would otherwise wait forever). */
public final class EtcdStore implements AutoCloseable {

    /** etcd's default --max-txn-ops is 128. */
    static final int MAX_TXN_OPS = 100;
    static final int PAGE = 1000;
    static final long TIMEOUT_SECONDS = 5;

    /** A consistent listing at one revision. */
    public record Listing(Map<String, String> entries, long revision) {
    }

    /** One change from a watch: a put (value not null) or delete. */
    public record Change(String key, String value, long revision) {
    }

    /** A failure talking to etcd (unreachable, timeout, rejected). */
    public static final class EtcdException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        EtcdException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Client client;

    public EtcdStore(Client client) {
        this.client = client;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    private static <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new EtcdException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new EtcdException(what + ": " + c.getMessage(), c);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new EtcdException(what + ": no answer within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Everything under {@code prefix}, read in pages at one revision (a single response is capped at 4 MiB by gRPC). */
    public Listing list(String prefix) {
        ByteSequence end = bytes(prefixEnd(prefix));
        Map<String, String> out = new LinkedHashMap<>();
        long revision = 0;
        String from = prefix;
        for (int pages = 0; pages < 100_000; pages++) {
            GetOption.Builder opt = GetOption.builder().withRange(end).withLimit(PAGE)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
            if (revision > 0) {
                opt.withRevision(revision);
            }
            GetResponse r = await(client.getKVClient().get(bytes(from), opt.build()), "list " + prefix);
            if (revision == 0) {
                revision = r.getHeader().getRevision();
            }
            String last = null;
            for (KeyValue kv : r.getKvs()) {
                last = text(kv.getKey());
                out.put(last, text(kv.getValue()));
            }
            if (!r.isMore() || last == null) {
                return new Listing(out, revision);
            }
            from = last + "\0";
        }
        throw new EtcdException("list " + prefix + ": too many pages", null);
    }

    /** Applies one batch (at most {@link #MAX_TXN_OPS} keys) atomically: puts attached to {@code lease}, and deletes. */
    public void apply(RecordDiff batch, long lease) {
        if (batch.size() > MAX_TXN_OPS) {
            throw new IllegalArgumentException("batch larger than " + MAX_TXN_OPS);
        }
        List<Op> ops = new ArrayList<>(batch.size());
        PutOption put = PutOption.builder().withLeaseId(lease).build();
        batch.puts().forEach((k, v) -> ops.add(Op.put(bytes(k), bytes(v), put)));
        batch.deletes().forEach(k -> ops.add(Op.delete(bytes(k), DeleteOption.DEFAULT)));
        Txn txn = client.getKVClient().txn().Then(ops.toArray(Op[]::new));
        await(txn.commit(), "write " + ops.size() + " keys");
    }

    public long grantLease(long ttlSeconds) {
        return await(client.getLeaseClient().grant(ttlSeconds), "grant lease").getID();
    }

    /** One keep-alive; false when etcd no longer knows the lease (it expired: its keys are gone). */
    public boolean keepAlive(long lease) {
        try {
            LeaseKeepAliveResponse r = await(client.getLeaseClient().keepAliveOnce(lease), "keep lease alive");
            return r.getTTL() > 0;
        } catch (EtcdException e) {
            if (String.valueOf(e.getMessage()).contains("lease not found")) {
                return false;
            }
            throw e;
        }
    }

    public void revoke(long lease) {
        await(client.getLeaseClient().revoke(lease), "revoke lease");
    }

    /** Watches {@code prefix} from {@code fromRevision}; {@code onError} is called once when the watch ends for good. */
    public AutoCloseable watch(String prefix, long fromRevision, Consumer<List<Change>> onChanges, Consumer<Throwable> onError) {
        WatchOption opt = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
        return client.getWatchClient().watch(bytes(prefix), opt, (WatchResponse r) -> {
            List<Change> changes = new ArrayList<>(r.getEvents().size());
            for (WatchEvent ev : r.getEvents()) {
                KeyValue kv = ev.getKeyValue();
                changes.add(new Change(text(kv.getKey()), ev.getEventType() == WatchEvent.EventType.PUT ? text(kv.getValue()) : null,
                        kv.getModRevision()));
            }
            if (!changes.isEmpty()) {
                onChanges.accept(changes);
            }
        }, onError, () -> onError.accept(new EtcdException("watch closed", null)));
    }

    /** The smallest key after every key that starts with {@code prefix}. */
    static String prefixEnd(String prefix) {
        byte[] b = prefix.getBytes(StandardCharsets.UTF_8);
        for (int i = b.length - 1; i >= 0; i--) {
            if (b[i] != (byte) 0xff) {
                b[i]++;
                return new String(Arrays.copyOf(b, i + 1), StandardCharsets.UTF_8);
            }
        }
        return "\0";
    }

    @Override
    public void close() {
        client.close();
    }
}
