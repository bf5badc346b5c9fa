package io.vipkeeper.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on the Lease {@value ControllerSettings#LEASE_NAME}. Unlike the seed (which exited), a replica
 * that loses the lease stops writing at once and stands for election again.
 */
final class Leadership implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final Consumer<Boolean> onChange;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<String> leader = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<?>> current = new AtomicReference<>();
    private Thread thread;

    Leadership(KubernetesClient client, ControllerSettings settings, Consumer<Boolean> onChange) {
        this.client = client;
        this.settings = settings;
        this.onChange = onChange;
    }

    void start() {
        thread = new Thread(this::campaign, "leader-election");
        thread.setDaemon(true);
        thread.start();
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
            if (running.get()) {
                try {
                    Thread.sleep(settings.retryPeriod().toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        onChange.accept(false);
        CompletableFuture<?> f = current.get();
        if (f != null) {
            f.cancel(true);
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
