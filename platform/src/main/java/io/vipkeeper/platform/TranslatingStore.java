package io.vipkeeper.platform;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.vipkeeper.core.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An informer's item store that keeps, per object, only what a translation made of it: a typed value, or the reason
 * the object did not parse. The informer keeps doing what it does well (paged list, watch, re-list on 410 Gone,
 * deletions seen in a re-list); the full objects are dropped as they arrive. 5,000 EndpointSlices with 10 endpoints
 * each are ~35 MB as fabric8 objects and a few MB as typed records: the difference is the node agent's memory target.
 *
 * <p>To the informer, an object that was stored reads back as a shell: the right kind, namespace and name, nothing
 * else (no resourceVersion either: every relisted object is then offered to {@link #put}, which compares
 * translations). Event handlers would get the full new object but only a shell as the old one: use
 * {@code onChange} instead.
 *
 * <p>{@code onChange} runs only when what an object translates to changes (added, removed, another value or
 * error): status writes, annotations and heartbeats that leave the translation as it was cost nothing downstream.
 *
 * @param <T> the Kubernetes kind
 * @param <R> what one object translates to
 */
public final class TranslatingStore<T extends HasMetadata, R> implements ItemStore<T> {

    /** What one object became: a value (null when there is nothing to keep, e.g. an FQDN EndpointSlice) or an error. */
    private record Slot<R>(R value, String error) {
    }

    /** Every stored value and every object's error, at one moment. */
    public record Snapshot<R>(List<R> values, List<String> errors) {
    }

    private final Map<String, Slot<R>> slots = new ConcurrentHashMap<>();
    private final Function<T, R> translate;
    private final Supplier<T> shell;
    private final Runnable onChange;

    /**
     * @param translate object → value; may return null (nothing to keep) or throw {@link InvalidInputException}
     *                  (kept as the object's error, naming the object and field); values are compared with equals
     * @param shell     a new, empty object of the kind
     * @param onChange  called after a translation changed (on the informer's thread: keep it short)
     */
    public TranslatingStore(Function<T, R> translate, Supplier<T> shell, Runnable onChange) {
        this.translate = translate;
        this.shell = shell;
        this.onChange = onChange;
    }

    /** The values and errors of every object the informer holds now. */
    public Snapshot<R> snapshot() {
        List<R> values = new ArrayList<>(slots.size());
        List<String> errors = new ArrayList<>();
        for (Slot<R> s : slots.values()) {
            if (s.error() != null) {
                errors.add(s.error());
            } else if (s.value() != null) {
                values.add(s.value());
            }
        }
        return new Snapshot<>(values, errors);
    }

    @Override
    public String getKey(T obj) {
        return Cache.metaNamespaceKeyFunc(obj);
    }

    @Override
    public T put(String key, T obj) {
        Slot<R> slot;
        try {
            slot = new Slot<>(translate.apply(obj), null);
        } catch (InvalidInputException e) {
            slot = new Slot<>(null, e.getMessage());
        }
        Slot<R> old = slots.put(key, slot);
        if (!slot.equals(old)) {
            onChange.run();
        }
        return shell(key, old);
    }

    @Override
    public T remove(String key) {
        Slot<R> old = slots.remove(key);
        if (old != null) {
            onChange.run();
        }
        return shell(key, old);
    }

    @Override
    public Stream<String> keySet() {
        return slots.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return slots.entrySet().stream().map(e -> shell(e.getKey(), e.getValue()));
    }

    @Override
    public int size() {
        return slots.size();
    }

    @Override
    public T get(String key) {
        return shell(key, slots.get(key));
    }

    /** The object as the informer knows it: its key (namespace/name or name). */
    private T shell(String key, Slot<R> slot) {
        if (slot == null) {
            return null;
        }
        int slash = key.indexOf('/');
        ObjectMeta meta = new ObjectMeta();
        if (slash >= 0) {
            meta.setNamespace(key.substring(0, slash));
        }
        meta.setName(key.substring(slash + 1));
        T t = shell.get();
        t.setMetadata(meta);
        return t;
    }
}
