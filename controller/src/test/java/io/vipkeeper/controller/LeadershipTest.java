package io.vipkeeper.controller;

import static io.vipkeeper.controller.ControllerHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leader election: hand-over on shutdown, stepping down when the API is gone. */
class LeadershipTest {

    ControllerHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ControllerHarness();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    static ControllerSettings elected(String identity, Duration lease, Duration renew, Duration retry) {
        return ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29")).toBuilder().leaderElect(true).identity(identity)
                .leaseNamespace("default").leaseDuration(lease).renewDeadline(renew).retryPeriod(retry).build();
    }

    Lease lease() {
        return h.client.leases().inNamespace("default").withName(ControllerSettings.LEASE_NAME).get();
    }

    String holder() {
        Lease l = lease();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    @Test
    void aLeaderThatStopsReleasesTheLeaseAndTheNextTakesOverAtOnce() {
        // the chart's timing: without a release the next replica would wait ~15 s, and without watching the Lease up
        // to a retry period with jitter (2.4 s)
        ControllerCommand.Running a = h.start(elected("replica-a", Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)));
        await(a.controller()::isLeading, "a leads");
        ControllerCommand.Running b = h.start(elected("replica-b", Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2)));
        await(() -> "replica-a".equals(b.readiness().isEmpty() ? holder() : null), "b ready, a holds the Lease");
        a.close();
        // released (empty), or already taken by b
        assertThat(holder()).as("holder right after the leader stopped").isNotEqualTo("replica-a");
        long start = System.nanoTime();
        await(b.controller()::isLeading, "b leads", Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(holder()).isEqualTo("replica-b");
    }

    @Test
    void aLeaderCutOffFromTheApiStepsDownBeforeItsLeaseRunsOut() throws Exception {
        // a client configured as in production (fabric8's default retries), not the mock's
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(h.server.url("/")).build();
        try (KubernetesClient own = new KubernetesClientBuilder().withConfig(config).build();
             ControllerCommand.Running r = ControllerCommand.start(own,
                     elected("replica-a", Duration.ofSeconds(6), Duration.ofSeconds(3), Duration.ofMillis(500)), new PrometheusRegistry())) {
            await(r.controller()::isLeading, "leads");
            long start = System.nanoTime();
            // the mock server's shutdown can block up to its 10 s for a dropped watch (ControllerHarness.close): stopped
            // on a thread of its own, the step-down is timed from the stop, not from the end of that wait
            Thread stopper = new Thread(h::stopServer, "stop-api");
            stopper.start();
            await(() -> !r.controller().isLeading(), "stepped down", Duration.ofSeconds(30));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            stopper.join(20_000);
            // renew deadline (3 s) + a bounded call (0.75 s) or two, before its lease (6 s after the last renew) runs out;
            // with fabric8's default retries one renew alone took ~19 s
            assertThat(took).isLessThan(Duration.ofMillis(5000));
            assertThat(r.controller().metrics().leader.get()).isZero();
        }
    }

    @Test
    void sigtermReleasesTheLease(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                contexts: [{name: mock, context: {cluster: mock, user: test}}]
                current-context: mock
                users: [{name: test, user: {token: test}}]
                """.formatted(h.server.url("/")));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ControllerProcessMain.class.getName(),
                "--kubeconfig", kubeconfig.toString(), "--pool", "192.0.2.200/29", "--health-port", "0", "--health-address", "127.0.0.1",
                "--lease-namespace", "default", "--lease-duration", "15s", "--renew-deadline", "10s", "--retry-period", "500ms"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile());
        pb.environment().put("POD_NAME", "child");
        Process p = pb.start();
        try {
            await(() -> "child".equals(holder()), "the child process leads", Duration.ofSeconds(60));
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(holder()).as("holder after SIGTERM; log:\n%s", Files.readString(dir.resolve("out.log"))).isNullOrEmpty();
            assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(1);
        } finally {
            p.destroyForcibly();
        }
    }
}
