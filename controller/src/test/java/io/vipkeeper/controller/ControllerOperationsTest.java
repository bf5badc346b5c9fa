package io.vipkeeper.controller;

import static io.vipkeeper.controller.ControllerHarness.await;
import static io.vipkeeper.controller.ControllerHarness.lb;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.OpsServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Conflicts on writes, the health and metrics endpoint, and API writes per allocation. */
class ControllerOperationsTest {

    /** CRUD, except that the first N PUTs to a path ending in /status answer 409 (the mock never does by itself). */
    static final class ConflictingDispatcher extends KubernetesCrudDispatcher {
        final AtomicInteger conflictsLeft;
        final AtomicInteger statusPuts = new AtomicInteger();
        final AtomicInteger configMapPuts = new AtomicInteger();
        final AtomicInteger configMapGets = new AtomicInteger();

        ConflictingDispatcher(int conflicts) {
            conflictsLeft = new AtomicInteger(conflicts);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            if ("PUT".equals(request.getMethod()) && request.getPath().contains("/configmaps/")) {
                configMapPuts.incrementAndGet();
            }
            if ("GET".equals(request.getMethod()) && request.getPath().contains("/configmaps/")) {
                configMapGets.incrementAndGet();
            }
            if ("PUT".equals(request.getMethod()) && request.getPath().endsWith("/status")) {
                statusPuts.incrementAndGet();
                if (conflictsLeft.getAndDecrement() > 0) {
                    return new MockResponse().setResponseCode(409).setBody(
                            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}");
                }
            }
            return super.dispatch(request);
        }
    }

    @Test
    void statusConflictIsRetriedWithAFreshRead() throws Exception {
        ConflictingDispatcher d = new ConflictingDispatcher(2);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), d, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        try (KubernetesClient client = server.createClient();
             ControllerCommand.Running r = ControllerCommand.start(client,
                     ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29")), new PrometheusRegistry())) {
            client.services().resource(lb("default", "web").build()).create();
            await(() -> {
                var s = client.services().inNamespace("default").withName("web").get();
                return s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                        && s.getStatus().getLoadBalancer().getIngress() != null && !s.getStatus().getLoadBalancer().getIngress().isEmpty();
            }, "status written after two conflicts");
            assertThat(d.statusPuts.get()).isEqualTo(3);
        } finally {
            destroy(server);
        }
    }

    /**
     * A Service decided again on the informer's copy from before the controller's own status write (queued by an older
     * event; under load the write's watch echo comes later): the same status is not written twice. In CI, 102 status
     * writes for 100 Services before the check.
     */
    @Test
    void theSameStatusIsNotWrittenTwiceFromACopyOlderThanTheWrite() throws Exception {
        ConflictingDispatcher d = new ConflictingDispatcher(0);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), d, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        try (KubernetesClient client = server.createClient()) {
            Service stale = client.services().resource(lb("default", "web").build()).create();
            ServiceWriter writer = new ServiceWriter(client, () -> true, new ControllerMetrics(new PrometheusRegistry()), key -> { });
            List<IpAddress> ips = List.of(IpAddress.parse("192.0.2.10"));
            assertThat(writer.writeStatus(stale, ips, ServiceWriter.NOT_OUTSIDE)).isTrue();
            assertThat(writer.writeStatus(stale, ips, ServiceWriter.NOT_OUTSIDE)).as("written from this copy already").isFalse();
            assertThat(d.statusPuts.get()).isEqualTo(1);
            // a newer copy (the echo) with other addresses is written as usual
            Service fresh = client.services().inNamespace("default").withName("web").get();
            assertThat(writer.writeStatus(fresh, List.of(IpAddress.parse("192.0.2.11")), ServiceWriter.NOT_OUTSIDE)).isTrue();
            assertThat(d.statusPuts.get()).isEqualTo(2);
        } finally {
            destroy(server);
        }
    }

    @Test
    void burstOfServicesMakesFewConfigMapWritesAndOneStatusWriteEach() throws Exception {
        ConflictingDispatcher d = new ConflictingDispatcher(0);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), d, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        PrometheusRegistry registry = new PrometheusRegistry();
        try (KubernetesClient client = server.createClient();
             ControllerCommand.Running r = ControllerCommand.start(client,
                     ControllerHarness.settings(ControllerHarness.pools("192.0.2.0/24")), registry);
             OpsServer ops = new OpsServer("127.0.0.1", 0, registry, r::health, r::readiness)) {
            await(() -> r.readiness().isEmpty(), "ready");
            int n = 100;
            for (int i = 0; i < n; i++) {
                client.services().resource(lb("default", "s" + i).build()).create();
            }
            await(() -> { // a list, not a GET: GETs of the ConfigMap are counted as the controller's
                var cms = client.configMaps().inNamespace("kube-system").list().getItems();
                return cms.size() == 1 && cms.get(0).getData() != null && cms.get(0).getData().size() == n;
            }, "all entries");
            assertThat(d.statusPuts.get()).isEqualTo(n);
            assertThat(d.configMapPuts.get()).as("ConfigMap updates are batched").isLessThan(n / 4);
            // each write merges into the informer's copy; the watch's echo of a write is recognised, not read again
            assertThat(d.configMapGets.get()).as("GETs of the ConfigMap").isZero();

            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + ops.port();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("vipkeeper_pool_addresses_in_use{family=\"IPv4\",pool=\"pool-0\"} 100.0")
                    .contains("vipkeeper_pool_addresses{family=\"IPv4\",pool=\"pool-0\"} 254.0")
                    .contains("vipkeeper_allocations_total{pool=\"pool-0\"} 100.0")
                    .contains("vipkeeper_reconcile_duration_seconds_bucket")
                    .contains("vipkeeper_controller_leader 1.0")
                    .contains("vipkeeper_api_writes_total{kind=\"status\"} 100.0");
        } finally {
            destroy(server);
        }
    }

    static void destroy(KubernetesMockServer server) {
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // see ControllerHarness.close
        }
    }
}
