package io.vipkeeper.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vipkeeper.core.pool.AddressPool;
import io.vipkeeper.core.pool.PoolSpecs;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** An in-memory API server on loopback, controllers started against it, and polling helpers. */
final class ControllerHarness implements AutoCloseable {

    KubernetesMockServer server;
    final KubernetesClient client;
    private final List<AutoCloseable> started = new ArrayList<>();

    ControllerHarness() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        client = server.createClient();
    }

    private int stoppedPort;
    private PrometheusRegistry lastRegistry;

    /** The metrics of the controller started last. */
    PrometheusRegistry lastRegistry() {
        return lastRegistry;
    }

    /** A new, empty API server on the port of the one {@link #stopServer} stopped (etcd lost or restored). */
    void startEmpty() throws Exception {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getByName("127.0.0.1"), stoppedPort);
    }

    /** The API server goes away (every request is refused from now on). */
    void stopServer() {
        stoppedPort = server.getPort();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // see close()
        }
    }

    static List<AddressPool> pools(String... specs) {
        List<AddressPool> out = new ArrayList<>();
        for (int i = 0; i < specs.length; i++) {
            out.add(PoolSpecs.parseFlag(specs[i], i));
        }
        return out;
    }

    static ControllerSettings settings(List<AddressPool> pools) {
        return ControllerSettings.builder().pools(pools).leaderElect(false).identity("test").leaseDuration(Duration.ofSeconds(2))
                .renewDeadline(Duration.ofMillis(1500)).retryPeriod(Duration.ofMillis(200)).batchDelay(Duration.ofMillis(20)).build();
    }

    ControllerCommand.Running start(ControllerSettings settings) {
        // each controller has its own client, as separate replicas would
        KubernetesClient own = server.createClient();
        lastRegistry = new PrometheusRegistry();
        ControllerCommand.Running r = ControllerCommand.start(own, settings, lastRegistry);
        started.add(own);
        started.add(r);
        return r;
    }

    ControllerCommand.Running start(String... pools) {
        return start(settings(pools(pools)));
    }

    static ServiceBuilder lb(String ns, String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNewTargetPort(8080).endPort().endSpec();
    }

    Service create(Service s) {
        try {
            return client.services().resource(s).create();
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // on a loaded machine the client may time out and send the POST again after the first one landed
            return get(s.getMetadata().getNamespace(), s.getMetadata().getName());
        }
    }

    Service get(String ns, String name) {
        return client.services().inNamespace(ns).withName(name).get();
    }

    List<String> ingress(String ns, String name) {
        Service s = get(ns, name);
        List<String> out = new ArrayList<>();
        if (s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null) {
            s.getStatus().getLoadBalancer().getIngress().forEach(i -> out.add(i.getIp()));
        }
        return out;
    }

    List<String> awaitIngress(String ns, String name) {
        await(() -> !ingress(ns, name).isEmpty(), "ingress of " + ns + "/" + name);
        return ingress(ns, name);
    }

    Map<String, String> vipData() {
        ConfigMap cm = client.configMaps().inNamespace("kube-system").withName("vip-configmap").get();
        return cm == null || cm.getData() == null ? Map.of() : cm.getData();
    }

    List<Event> events(String ns, String name, String reason) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null && name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .toList();
    }

    void awaitEvent(String ns, String name, String reason, String messagePart) {
        await(() -> events(ns, name, reason).stream().anyMatch(e -> e.getMessage().contains(messagePart)),
                "event " + reason + " containing '" + messagePart + "' on " + ns + "/" + name);
    }

    /**
     * Waits up to 60 s: a condition usually holds within a second, but a loaded 2-core CI machine once took over 10 s,
     * and fabric8's mock server stalls its event loop for 30 s when it writes a watch event to the websocket of a
     * client that was just closed ("VertxMockWebSocket write did not complete within 30s", seen after a controller
     * restart: the next replica's requests waited behind it).
     */
    static void await(BooleanSupplier condition, String what) {
        await(condition, what, Duration.ofSeconds(60));
    }

    static void await(BooleanSupplier condition, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            sleep(25);
        }
        assertThat(condition.getAsBoolean()).as("timed out after %s waiting for %s", limit, what).isTrue();
    }

    /** Asserts that the value stays as it is for a while (for "nothing happens" checks). */
    static <T> void stays(Supplier<T> value, T expected, Duration period) {
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(value.get()).isEqualTo(expected);
            sleep(50);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        client.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // the mock web server sometimes waits out its 10 s shutdown for a dropped watch; nothing of ours is left
        }
    }
}
