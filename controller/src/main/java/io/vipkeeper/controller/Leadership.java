package io.vipkeeper.controller;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vipkeeper.platform.Informers;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on the Lease {@value ControllerSettings#LEASE_NAME}. Unlike the seed (which exited), a replica
 * that loses the lease stops writing at once and stands for election again.
 *
 * <p>Every API call of the election is bounded well below the renew deadline and is not retried by the client
 * (fabric8's default retries spent ~19 s in one renew while the API was unreachable, so a cut-off leader went on
 * believing it led for ~40 s): the elector itself retries each retry period and gives up at the renew deadline.
 * On close, a leader releases the Lease as client-go does (holder cleared, duration 1 s), so another replica takes
 * over at its next retry instead of waiting the lease out.
 */
final class Leadership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final KubernetesClient client;
    /** The controller's client as it is, for the release at shutdown (no renew deadline to keep then). */
    private final KubernetesClient plainClient;
    private final ControllerSettings settings;
    private final Consumer<Boolean> onChange;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<String> leader = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<?>> current = new AtomicReference<>();
    private Thread thread;
    /** Watches the Lease so that a standby stands at once when the leader releases it (not at its next retry). */
    private SharedIndexInformer<Lease> lease;
    private final AtomicBoolean standNow = new AtomicBoolean();

    /** {@code client}: the controller's; the election uses it with every request bounded (see {@link #callBound}). */
    Leadership(KubernetesClient client, ControllerSettings settings, Consumer<Boolean> onChange) {
        this.client = boundedClient(client, callBound(settings));
        this.plainClient = client;
        this.settings = settings;
        this.onChange = onChange;
    }

    /**
     * The longest one API call of the election may take: a quarter of the renew deadline (2.5 s with the defaults), so
     * a leader cut off from the API steps down within about renew deadline + 2 x this, before its lease runs out.
     */
    static Duration callBound(ControllerSettings s) {
        Duration quarter = s.renewDeadline().dividedBy(4);
        return quarter.compareTo(Duration.ofMillis(200)) < 0 ? Duration.ofMillis(200) : quarter;
    }

    /** The same client (connection, credentials, interceptors), each request bounded and not retried. */
    private static KubernetesClient boundedClient(KubernetesClient client, Duration bound) {
        RequestConfig rc = new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                .withRequestTimeout((int) bound.toMillis()).withRequestRetryBackoffLimit(0).build();
        return client.newClient(rc).adapt(KubernetesClient.class);
    }

    void start() {
        lease = Informers.start(plainClient.leases().inNamespace(settings.leaseNamespace()).withName(ControllerSettings.LEASE_NAME)
                .runnableInformer(0), Informers.onAnyChange(this::leaseChanged), "Lease");
        thread = new Thread(this::campaign, "leader-election");
        thread.setDaemon(true);
        thread.start();
    }

    /** A released Lease (no holder) while another held it: stand again now instead of at the next retry. */
    private void leaseChanged(Lease l) {
        String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
        if (running.get() && (holder == null || holder.isEmpty()) && !settings.identity().equals(leader.get())) {
            CompletableFuture<?> f = current.get();
            if (f != null && !f.isDone()) {
                standNow.set(true);
                f.cancel(true); // not leading: the elector just stops trying, and campaign() starts a new one at once
            }
        }
    }

    /** The current leader's identity, when known. */
    String leader() {
        return leader.get();
    }

    private void campaign() {
        while (running.get()) {
            var config = new LeaderElectionConfigBuilder()
                    .withName(ControllerSettings.LEASE_NAME)
                    .withLock(new LeaseLock(settings.leaseNamespace(), ControllerSettings.LEASE_NAME, settings.identity()))
                    .withLeaseDuration(settings.leaseDuration())
                    .withRenewDeadline(settings.renewDeadline())
                    .withRetryPeriod(settings.retryPeriod())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(new LeaderCallbacks(
                            () -> onChange.accept(true),
                            () -> onChange.accept(false),
                            id -> {
                                leader.set(id);
                                LOG.info("leader is now {}", id);
                            }))
                    .build();
            CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
            current.set(f);
            try {
                f.join();
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.warn("leader election ended: {}", e.getMessage());
                }
            }
            onChange.accept(false);
            if (running.get() && !standNow.getAndSet(false)) {
                try {
                    Thread.sleep(settings.retryPeriod().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Gives the Lease up when this replica holds it: holder cleared and a duration of 1 s, with the resourceVersion
     * read (client-go's ReleaseOnCancel). fabric8's own release writes the holder as null, which a merge patch leaves
     * as it was, so the Lease still named this replica until it ran out.
     */
    private void release() {
        for (int attempt = 1; attempt <= 3; attempt++) {
            try {
                Lease lease = plainClient.leases().inNamespace(settings.leaseNamespace()).withName(ControllerSettings.LEASE_NAME).get();
                if (lease == null || lease.getSpec() == null || !settings.identity().equals(lease.getSpec().getHolderIdentity())) {
                    return;
                }
                String patch = "{\"metadata\":{\"resourceVersion\":\"" + lease.getMetadata().getResourceVersion()
                        + "\"},\"spec\":{\"holderIdentity\":\"\",\"leaseDurationSeconds\":1}}";
                plainClient.leases().inNamespace(settings.leaseNamespace()).withName(ControllerSettings.LEASE_NAME)
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                LOG.info("released the Lease {}/{}", settings.leaseNamespace(), ControllerSettings.LEASE_NAME);
                return;
            } catch (KubernetesClientException e) {
                // 409: fabric8's own release (or a last renew) wrote it meanwhile: read it again
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == 3) {
                    LOG.warn("could not release the Lease {}/{} (another replica takes over once it runs out): {}",
                            settings.leaseNamespace(), ControllerSettings.LEASE_NAME, e.getMessage(), e);
                    return;
                }
            } catch (RuntimeException e) {
                LOG.warn("could not release the Lease {}/{}: {}", settings.leaseNamespace(), ControllerSettings.LEASE_NAME, e.getMessage(), e);
                return;
            }
        }
    }

    @Override
    public void close() {
        if (!running.getAndSet(false)) {
            return;
        }
        onChange.accept(false); // stop writing before anyone else may start
        CompletableFuture<?> f = current.get();
        if (f != null) {
            f.cancel(true);
        }
        if (thread != null) {
            thread.interrupt();
        }
        if (lease != null) {
            lease.close();
        }
        release(); // the election client shares the controller's connection: its owner closes it
    }
}
