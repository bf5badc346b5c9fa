package io.vipkeeper.controller;

import static io.vipkeeper.controller.ControllerHarness.await;
import static io.vipkeeper.controller.ControllerHarness.lb;
import static io.vipkeeper.controller.ControllerHarness.stays;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.vipkeeper.core.viptable.PoolPlacementCodec;
import io.vipkeeper.platform.PoolPlacementJson;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** VipPool objects against the in-memory API server: live pools, their status, Events and the placement annotation. */
class VipPoolIntegrationTest {

    ControllerHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new ControllerHarness();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    static GenericKubernetesResource vipPool(String name, Map<String, Object> spec) {
        GenericKubernetesResource p = new GenericKubernetesResourceBuilder().withApiVersion("vipkeeper.io/v1alpha1").withKind("VipPool")
                .withNewMetadata().withName(name).endMetadata().build();
        p.setAdditionalProperty("spec", spec);
        return p;
    }

    static Map<String, Object> addresses(String... a) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("addresses", List.of(a));
        return spec;
    }

    GenericKubernetesResource create(GenericKubernetesResource p) {
        return h.client.genericKubernetesResources(VipPoolSource.CONTEXT).resource(p).create();
    }

    GenericKubernetesResource pool(String name) {
        return h.client.genericKubernetesResources(VipPoolSource.CONTEXT).withName(name).get();
    }

    void editSpec(String name, Map<String, Object> spec) {
        h.client.genericKubernetesResources(VipPoolSource.CONTEXT).withName(name).edit(p -> {
            p.setAdditionalProperty("spec", spec);
            return p;
        });
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> status(String name) {
        GenericKubernetesResource p = pool(name);
        Object s = p == null ? null : p.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> condition(String pool, String type) {
        Object list = status(pool).get("conditions");
        if (list instanceof List<?> l) {
            for (Object o : l) {
                Map<String, Object> c = (Map<String, Object>) o;
                if (type.equals(c.get("type"))) {
                    return c;
                }
            }
        }
        return Map.of();
    }

    void awaitCondition(String pool, String type, String status, String messagePart) {
        await(() -> status.equals(condition(pool, type).get("status"))
                && String.valueOf(condition(pool, type).get("message")).contains(messagePart), pool + " " + type + "=" + status);
    }

    @Test
    void aPoolObjectServesAndItsStatusSaysHowFullItIs() {
        h.start();
        h.create(lb("default", "web").build());
        h.awaitEvent("default", "web", "AllocationFailed", "no pool");
        create(vipPool("lan", addresses("192.0.2.200/29")));
        assertThat(h.awaitIngress("default", "web")).containsExactly("192.0.2.201");
        await(() -> "lan".equals(h.get("default", "web").getMetadata().getAnnotations().get(Annotations.ALLOCATED_FROM_POOL)), "pool annotation");
        await(() -> Objects.equals(1, status("lan").get("used")) && "5".equals(status("lan").get("free")), "status counts");
        assertThat(status("lan").get("addresses")).isEqualTo("192.0.2.200/29");
        assertThat(status("lan").get("ipv4")).isEqualTo(Map.of("total", "6", "used", 1, "free", "5"));
        assertThat(condition("lan", "Ready")).containsEntry("status", "True").containsEntry("reason", "Serving");
        assertThat(condition("lan", "Conflict")).containsEntry("status", "False");
        assertThat(condition("lan", "Invalid")).containsEntry("status", "False");
        h.awaitEvent("default", "lan", "PoolReady", "192.0.2.200/29");
        await(() -> gauge("vipkeeper_pool_addresses_in_use", "lan") == 1.0, "per-pool metric");
        // the status is written when it changes, not on every batch: a Service elsewhere changes nothing of it
        String version = pool("lan").getMetadata().getResourceVersion();
        h.create(lb("other", "x").editSpec().withType("ClusterIP").endSpec().build());
        stays(() -> pool("lan").getMetadata().getResourceVersion(), version, Duration.ofMillis(400));
    }

    @Test
    void addingARangeGivesThePendingServiceAnAddressAndDeletingKeepsAddressesUntilTheServiceChanges() {
        h.start();
        create(vipPool("lan", addresses("192.0.2.10-192.0.2.10")));
        h.create(lb("default", "a").build());
        assertThat(h.awaitIngress("default", "a")).containsExactly("192.0.2.10");
        h.create(lb("default", "b").build());
        h.awaitEvent("default", "b", "AllocationFailed", "pool exhausted");
        editSpec("lan", addresses("192.0.2.10-192.0.2.10", "192.0.2.20-192.0.2.21"));
        assertThat(h.awaitIngress("default", "b")).containsExactly("192.0.2.20");
        await(() -> "3".equals(((Map<?, ?>) status("lan").getOrDefault("ipv4", Map.of())).get("total")), "total grew");

        h.client.genericKubernetesResources(VipPoolSource.CONTEXT).withName("lan").delete();
        h.awaitEvent("default", "a", "AddressOutsidePools", "192.0.2.10");
        stays(() -> h.ingress("default", "a"), List.of("192.0.2.10"), Duration.ofMillis(300));
        assertThat(h.vipData()).containsEntry("192.0.2.10", "default/a").containsEntry("192.0.2.20", "default/b");
        await(() -> gauge("vipkeeper_pool_addresses", "lan") == null, "the deleted pool leaves the metrics");
        // a new pool and a changed Service: it moves
        create(vipPool("next", addresses("198.51.100.0/29")));
        h.client.services().inNamespace("default").withName("a")
                .edit(x -> new ServiceBuilder(x).editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata().build());
        await(() -> h.ingress("default", "a").equals(List.of("198.51.100.1")), "moved into the new pool");
    }

    /** The Service's condition of {@code type}, or null. */
    Condition serviceCondition(String name, String type) {
        Service s = h.get("default", name);
        List<Condition> all = s == null || s.getStatus() == null || s.getStatus().getConditions() == null ? List.of() : s.getStatus().getConditions();
        return all.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    double statusWrites() {
        return h.lastRegistry().scrape().stream().filter(m -> m.getMetadata().getPrometheusName().equals("vipkeeper_api_writes"))
                .flatMap(m -> ((CounterSnapshot) m).getDataPoints().stream())
                .filter(d -> "status".equals(d.getLabels().get("kind"))).mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
    }

    @Test
    void aPoolEditLeavingAnAddressOutsideSetsTheServiceConditionWithOneWriteAndTheChangedServiceClearsIt() {
        String outside = "vipkeeper.io/AddressOutsidePools";
        h.start();
        create(vipPool("lan", addresses("192.0.2.10-192.0.2.10", "198.51.100.0/29")));
        // another controller's condition: left as it is by every write
        Condition theirs = new ConditionBuilder().withType("example.com/Probed").withStatus("True").withReason("Probed")
                .withMessage("fine").withLastTransitionTime("2026-01-01T00:00:00Z").build();
        h.create(lb("default", "a").withNewStatus().withConditions(theirs).endStatus().build());
        assertThat(h.awaitIngress("default", "a")).containsExactly("192.0.2.10");
        await(() -> statusWrites() == 1.0, "one status write");
        assertThat(serviceCondition("a", outside)).as("an ordinary allocation writes no condition").isNull();

        editSpec("lan", addresses("198.51.100.0/29"));
        await(() -> serviceCondition("a", outside) != null, "the condition");
        Condition set = serviceCondition("a", outside);
        assertThat(set.getStatus()).isEqualTo("True");
        assertThat(set.getReason()).isEqualTo("AddressOutsidePools");
        assertThat(set.getMessage()).startsWith("192.0.2.10 is in no pool any more");
        assertThat(set.getLastTransitionTime()).isNotBlank();
        assertThat(set.getObservedGeneration()).isEqualTo(h.get("default", "a").getMetadata().getGeneration());
        h.awaitEvent("default", "a", "AddressOutsidePools", "192.0.2.10");
        stays(() -> h.ingress("default", "a"), List.of("192.0.2.10"), Duration.ofMillis(300));
        stays(this::statusWrites, 2.0, Duration.ofMillis(400));
        assertThat(serviceCondition("a", "example.com/Probed")).isEqualTo(theirs);

        // the Service changes: it moves into the pool, and the same status write clears the condition
        h.client.services().inNamespace("default").withName("a")
                .edit(x -> new ServiceBuilder(x).editMetadata().addToAnnotations(Annotations.ALLOW_SHARED_IP, "k").endMetadata().build());
        await(() -> h.ingress("default", "a").equals(List.of("198.51.100.1")), "moved into the pool");
        Condition cleared = serviceCondition("a", outside);
        assertThat(cleared.getStatus()).isEqualTo("False");
        assertThat(cleared.getReason()).isEqualTo("AddressesInPools");
        assertThat(serviceCondition("a", "example.com/Probed")).isEqualTo(theirs);
        stays(this::statusWrites, 3.0, Duration.ofMillis(400));
    }

    @Test
    void theNewerOfTwoOverlappingPoolsIsInConflictAndAnInvalidOneNamesTheField() {
        h.start("203.0.113.0/29");
        create(vipPool("first", addresses("192.0.2.0/28")));
        await(() -> "True".equals(condition("first", "Ready").get("status")), "first ready");
        // created in the same second (the API's timestamps have seconds), the name decides: first is older either way
        create(vipPool("second", addresses("192.0.2.8/29")));
        awaitCondition("second", "Conflict", "True", "of pool first");
        assertThat(condition("second", "Ready")).containsEntry("status", "False").containsEntry("reason", "Conflict");
        assertThat(condition("first", "Ready")).containsEntry("status", "True");
        h.awaitEvent("default", "second", "PoolConflict", "pool first");
        create(vipPool("flagged", addresses("203.0.113.4-203.0.113.9")));
        awaitCondition("flagged", "Conflict", "True", "pool-0, a pool from flags");

        Map<String, Object> bad = addresses("192.0.2.100/30");
        bad.put("announce", "ospf");
        create(vipPool("bad", bad));
        awaitCondition("bad", "Invalid", "True", "spec.announce");
        assertThat(condition("bad", "Ready")).containsEntry("status", "False").containsEntry("reason", "Invalid");
        h.awaitEvent("default", "bad", "PoolInvalid", "spec.announce");
        // fixed: used
        editSpec("bad", addresses("192.0.2.100/30"));
        awaitCondition("bad", "Ready", "True", "");
        assertThat(condition("bad", "Invalid")).containsEntry("status", "False");
    }

    @Test
    void placementAndForwardMethodOfThePoolReachTheVipConfigMap() {
        h.start();
        Map<String, Object> spec = addresses("192.0.2.0/29");
        spec.put("forwardMethod", "DR");
        spec.put("interface", "eth1");
        spec.put("nodeSelector", Map.of("matchLabels", Map.of("rack", "r1")));
        create(vipPool("edge", spec));
        create(vipPool("plain", addresses("198.51.100.0/29")));
        h.create(lb("default", "web").build());
        String ip = h.awaitIngress("default", "web").get(0);
        await(() -> "default/web:DR".equals(h.vipData().get(ip)), "the pool's forward method");
        ConfigMap cm = h.client.configMaps().inNamespace("kube-system").withName("vip-configmap").get();
        var placements = PoolPlacementJson.decode(cm.getMetadata().getAnnotations().get(PoolPlacementCodec.ANNOTATION));
        assertThat(placements.placements()).singleElement().satisfies(p -> {
            assertThat(p.pool()).isEqualTo("edge");
            assertThat(p.iface().name()).isEqualTo("eth1");
            assertThat(p.nodeSelector().matches(Map.of("rack", "r1"))).isTrue();
        });
        // back to the default placement: the annotation goes
        editSpec("edge", addresses("192.0.2.0/29"));
        await(() -> {
            ConfigMap c = h.client.configMaps().inNamespace("kube-system").withName("vip-configmap").get();
            return !c.getMetadata().getAnnotations().containsKey(PoolPlacementCodec.ANNOTATION) && "default/web".equals(c.getData().get(ip));
        }, "annotation removed, method back to the default");
    }

    @Test
    void namespaceSelectorFollowsNamespaceLabels() {
        h.start();
        Map<String, Object> spec = addresses("192.0.2.0/29");
        spec.put("serviceAllocation", Map.of("namespaceSelector", Map.of("matchLabels", Map.of("team", "a"))));
        create(vipPool("team-a", spec));
        h.client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("apps").endMetadata().build()).create();
        h.create(lb("apps", "web").build());
        h.awaitEvent("apps", "web", "AllocationFailed", "no pool");
        h.client.namespaces().withName("apps").edit(n -> new NamespaceBuilder(n).editMetadata().addToLabels("team", "a").endMetadata().build());
        assertThat(h.awaitIngress("apps", "web")).containsExactly("192.0.2.1");
    }

    /**
     * CRUD, except that VipPools are not served until told: 404, as an API server without the CRD answers, or 403, as
     * one whose ClusterRole for the controller predates VipPools.
     */
    static final class WithoutCrd extends KubernetesCrudDispatcher {
        final AtomicBoolean served = new AtomicBoolean();
        final int code;

        WithoutCrd(int code) {
            this.code = code;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            if (!served.get() && request.getPath().startsWith("/apis/vipkeeper.io/")) {
                return new MockResponse().setResponseCode(code).setBody(
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":" + code + "}");
            }
            return super.dispatch(request);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {404, 403})
    void withoutTheCrdFlagPoolsServeAndACrdInstalledLaterIsPickedUp(int code) throws Exception {
        WithoutCrd d = new WithoutCrd(code);
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), d, false);
        server.init(InetAddress.getByName("127.0.0.1"), 0);
        Duration before = ServiceController.crdRecheck;
        ServiceController.crdRecheck = Duration.ofMillis(300);
        try (KubernetesClient client = server.createClient();
             ControllerCommand.Running r = ControllerCommand.start(client, ControllerHarness.settings(ControllerHarness.pools("192.0.2.200/29")),
                     new PrometheusRegistry())) {
            client.services().resource(lb("default", "web").build()).create();
            await(() -> ingressOf(client, "web").equals(List.of("192.0.2.201")), "served from the flag pool without the CRD");
            d.served.set(true);
            client.genericKubernetesResources(VipPoolSource.CONTEXT).resource(vipPool("objects", addresses("198.51.100.0/29"))).create();
            client.services().resource(lb("default", "named").editMetadata().addToAnnotations(Annotations.ADDRESS_POOL, "objects")
                    .endMetadata().build()).create();
            await(() -> ingressOf(client, "named").equals(List.of("198.51.100.1")), "served from the pool object once the CRD is there");
        } finally {
            ServiceController.crdRecheck = before;
            try {
                server.destroy();
            } catch (IllegalStateException e) {
                // see ControllerHarness.close
            }
        }
    }

    static List<String> ingressOf(KubernetesClient client, String name) {
        var s = client.services().inNamespace("default").withName(name).get();
        if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null || s.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList();
    }

    Double gauge(String name, String pool) {
        return h.lastRegistry().scrape().stream().filter(m -> m.getMetadata().getPrometheusName().equals(name))
                .flatMap(m -> ((GaugeSnapshot) m).getDataPoints().stream())
                .filter(d -> pool.equals(d.getLabels().get("pool"))).map(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst().orElse(null);
    }
}
