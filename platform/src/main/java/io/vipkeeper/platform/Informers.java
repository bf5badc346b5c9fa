package io.vipkeeper.platform;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Informers that outlive an unreachable API server. */
public final class Informers {

    private static final Logger LOG = LoggerFactory.getLogger(Informers.class);

    private Informers() {
    }

    /**
     * Starts an informer without waiting for its first list. When a list or watch fails (API server down or not
     * reachable yet) it keeps retrying with fabric8's backoff, where fabric8 would otherwise stop it for good; the
     * caller keeps working from what it last saw and checks {@code hasSynced()} before trusting the cache.
     */
    public static <T> SharedIndexInformer<T> start(SharedIndexInformer<T> informer, ResourceEventHandler<? super T> handler, String what) {
        informer.addEventHandler(handler);
        return startRetrying(informer, what);
    }

    /**
     * A handler that runs {@code onChange} on every add, update and delete, but not on a resync's replay of the cache
     * ({@code onUpdate(x, x)}), which changes nothing.
     */
    public static <T> ResourceEventHandler<T> onAnyChange(Consumer<T> onChange) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                onChange.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (oldObj != newObj) {
                    onChange.accept(newObj);
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                onChange.accept(obj);
            }
        };
    }

    /** List page size for big collections, so a big cluster's first list is not one huge response. */
    public static final long PAGE = 500;

    /**
     * The same, keeping only what {@code store} translates each object to; the store's {@code onChange} takes the
     * place of an event handler (see {@link TranslatingStore}).
     */
    public static <T extends HasMetadata, R> SharedIndexInformer<T> start(SharedIndexInformer<T> informer,
            TranslatingStore<T, R> store, String what) {
        keeping(informer, store, what).start();
        return informer;
    }

    /** The same, not started yet (for an owner that starts its informers later). */
    public static <T extends HasMetadata, R> SharedIndexInformer<T> keeping(SharedIndexInformer<T> informer,
            TranslatingStore<T, R> store, String what) {
        informer.itemStore(store);
        return retryForever(informer, what);
    }

    private static <T> SharedIndexInformer<T> startRetrying(SharedIndexInformer<T> informer, String what) {
        retryForever(informer, what);
        informer.start();
        return informer;
    }

    /** Makes a failed list or watch retry (with fabric8's backoff) instead of stopping the informer for good. */
    public static <T> SharedIndexInformer<T> retryForever(SharedIndexInformer<T> informer, String what) {
        informer.exceptionHandler((started, t) -> {
            LOG.warn("{}: {} failed ({}); retrying", what, started ? "watch" : "list", t.getMessage());
            return true;
        });
        return informer;
    }
}
