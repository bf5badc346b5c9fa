package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.platform.Informers;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VipPool objects (vipkeeper.io/v1alpha1, cluster-scoped), when their CRD is installed. A cluster without it keeps
 * working with the pools from flags: the absence is logged once, and the controller looks again every
 * {@code recheck} (a cheap list of at most one object): a CRD installed later is picked up without a restart, so
 * installing the chart's CRD after the controller needs no rollout.
 */
final class VipPoolSource implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VipPoolSource.class);

    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder().withGroup("vipkeeper.io")
            .withVersion("v1alpha1").withPlural("vippools").withKind("VipPool").withNamespaced(false).build();

    private final KubernetesClient client;
    private final Runnable onChange;
    private final ScheduledExecutorService scheduler;
    private final Duration recheck;
    private volatile SharedIndexInformer<GenericKubernetesResource> informer;
    /** True once the API said the resource is not served (then the controller runs with flag pools only). */
    private volatile boolean absent;
    private volatile boolean closed;

    VipPoolSource(KubernetesClient client, Runnable onChange, Duration recheck) {
        this.client = client;
        this.onChange = onChange;
        this.recheck = recheck;
        // its own thread: a check against an API server that does not answer must not hold up the controller's retries
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vippool-check");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        scheduler.execute(this::check);
    }

    /** Starts the informer when the resource is served; otherwise looks again later. */
    private void check() {
        if (closed || informer != null) {
            return;
        }
        try {
            client.genericKubernetesResources(CONTEXT).list(new ListOptionsBuilder().withLimit(1L).build());
        } catch (KubernetesClientException e) {
            // 403: a ClusterRole from before VipPools (the controller upgraded, the chart not): run as without the CRD
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND || e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
                if (!absent) {
                    LOG.info("VipPool objects are {}: using the pools from flags only; looking again every {} s",
                            e.getCode() == HttpURLConnection.HTTP_NOT_FOUND ? "not served (CRD vippools.vipkeeper.io not installed)"
                                    : "not readable (no right to list vippools.vipkeeper.io: update the controller's ClusterRole)",
                            Math.max(1, recheck.toSeconds()));
                    absent = true;
                    onChange.run(); // the pools are known now: none from objects
                }
            } else {
                LOG.debug("could not tell whether VipPools are served: {}", e.getMessage());
            }
            scheduler.schedule(this::check, absent ? recheck.toMillis() : 1000, TimeUnit.MILLISECONDS);
            return;
        }
        if (absent) {
            LOG.info("VipPool objects are served now: watching them");
        }
        absent = false;
        informer = Informers.start(client.genericKubernetesResources(CONTEXT).runnableInformer(0),
                Informers.onAnyChange(p -> onChange.run()), "VipPools");
    }

    /** Whether the pools are known: the CRD is absent, or the informer has listed them. */
    boolean synced() {
        SharedIndexInformer<GenericKubernetesResource> i = informer;
        return i != null ? i.hasSynced() : absent;
    }

    /** Whether the informer runs (or none is needed). */
    boolean running() {
        SharedIndexInformer<GenericKubernetesResource> i = informer;
        return i == null || i.isRunning();
    }

    /** Whether VipPool objects are served (the informer runs). */
    boolean served() {
        return informer != null;
    }

    List<GenericKubernetesResource> list() {
        SharedIndexInformer<GenericKubernetesResource> i = informer;
        return i == null ? List.of() : i.getStore().list();
    }

    GenericKubernetesResource get(String name) {
        SharedIndexInformer<GenericKubernetesResource> i = informer;
        return i == null ? null : i.getStore().getByKey(name);
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        SharedIndexInformer<GenericKubernetesResource> i = informer;
        if (i != null) {
            i.close();
        }
    }
}
