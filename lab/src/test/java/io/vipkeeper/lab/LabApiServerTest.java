package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The lab API as fabric8 clients (the controller, agent and dns) use it: conflicts, paging, selectors, watches. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LabApiServerTest {

    /** Small, so a few writes push a watch's resourceVersion out of the history. */
    private static final int HISTORY = 20;

    private final LabApiServer server = new LabApiServer(HISTORY);
    private KubernetesClient client;

    @BeforeAll
    void start() {
        server.start("127.0.0.1", 0);
        client = server.client();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static ConfigMap configMap(String ns, String name, String tier) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace(ns).withName(name).addToLabels("tier", tier).endMetadata()
                .addToData("k", "v").build();
    }

    @Test
    void aStaleResourceVersionIsAConflictOnTheObjectAndOnItsStatus() {
        Service created = client.services().resource(new ServiceBuilder().withNewMetadata().withName("conflict").endMetadata()
                .withNewSpec().withType("LoadBalancer").addNewPort().withPort(80).endPort().endSpec().build()).create();
        Service current = client.services().withName("conflict").edit(s -> new ServiceBuilder(s).editMetadata()
                .addToLabels("a", "b").endMetadata().build());
        assertThat(current.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());

        Service stale = new ServiceBuilder(created).editMetadata().addToLabels("c", "d").endMetadata().build();
        assertThatThrownBy(() -> client.services().resource(stale).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409))
                .hasMessageContaining("the object has been modified");
        Service staleStatus = new ServiceBuilder(created).editStatus().editLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp("192.0.2.10").build()).endLoadBalancer().endStatus().build();
        assertThatThrownBy(() -> client.services().resource(staleStatus).updateStatus())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

        Service written = client.services().resource(new ServiceBuilder(current).editStatus().editLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp("192.0.2.10").build()).endLoadBalancer().endStatus()
                .editMetadata().addToLabels("ignored", "by-status").endMetadata().build()).updateStatus();
        assertThat(written.getStatus().getLoadBalancer().getIngress()).singleElement()
                .satisfies(i -> assertThat(i.getIp()).isEqualTo("192.0.2.10"));
        assertThat(written.getMetadata().getLabels()).as("a status write changes only status").doesNotContainKey("ignored");
    }

    @Test
    void listsPageWithLimitAndContinue() {
        for (int i = 0; i < 25; i++) {
            client.configMaps().inNamespace("paging").resource(configMap("paging", String.format("cm-%02d", i), i % 2 == 0 ? "even" : "odd")).create();
        }
        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        String firstVersion = null;
        do {
            ConfigMapList page = client.configMaps().inNamespace("paging").list(new ListOptionsBuilder().withLimit(10L).withContinue(token).build());
            page.getItems().forEach(c -> names.add(c.getMetadata().getName()));
            firstVersion = firstVersion == null ? page.getMetadata().getResourceVersion() : firstVersion;
            assertThat(page.getMetadata().getResourceVersion()).as("every page reports the first page's version").isEqualTo(firstVersion);
            token = page.getMetadata().getContinue();
            pages++;
        } while (token != null && !token.isEmpty());
        assertThat(pages).isEqualTo(3);
        assertThat(names).hasSize(25).isSorted();

        assertThat(client.configMaps().inNamespace("paging").withLabelIn("tier", "odd").list().getItems()).hasSize(12);
        assertThat(client.configMaps().inNamespace("paging").withLabelNotIn("tier", "odd").list().getItems()).hasSize(13);
        assertThat(client.configMaps().inNamespace("paging").withField("metadata.name", "cm-03").list().getItems()).hasSize(1);
        assertThat(client.configMaps().inNamespace("paging").withLabel("tier", "even").delete()).hasSize(13);
        assertThat(client.configMaps().inNamespace("paging").list().getItems()).hasSize(12);
    }

    @Test
    void aWatchFromAVersionTheHistoryNoLongerHoldsEndsWith410Gone() throws Exception {
        String old = client.configMaps().inNamespace("gone").list().getMetadata().getResourceVersion();
        for (int i = 0; i <= HISTORY; i++) {
            client.configMaps().inNamespace("gone").resource(configMap("gone", "cm-" + i, "x")).create();
        }
        CompletableFuture<WatcherException> closed = new CompletableFuture<>();
        try (Watch ignored = client.configMaps().inNamespace("gone").watch(new ListOptionsBuilder().withResourceVersion(old).build(),
                new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, ConfigMap resource) {
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                        closed.complete(cause);
                    }
                })) {
            WatcherException cause = closed.get(10, TimeUnit.SECONDS);
            assertThat(cause.isHttpGone()).as(String.valueOf(cause)).isTrue();
        }
    }

    @Test
    void anInformerListsInPagesAndFollowsChangesAfterwards() throws Exception {
        for (int i = 0; i < 7; i++) {
            client.configMaps().inNamespace("informed").resource(configMap("informed", "cm-" + i, "x")).create();
        }
        Map<String, String> seen = new ConcurrentHashMap<>();
        SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace("informed").withLimit(3L)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(ConfigMap c) {
                        seen.put(c.getMetadata().getName(), c.getData().get("k"));
                    }

                    @Override
                    public void onUpdate(ConfigMap old, ConfigMap c) {
                        seen.put(c.getMetadata().getName(), c.getData().get("k"));
                    }

                    @Override
                    public void onDelete(ConfigMap c, boolean unknown) {
                        seen.remove(c.getMetadata().getName());
                    }
                });
        try {
            await(() -> seen.size() == 7);
            client.configMaps().inNamespace("informed").withName("cm-1").edit(c -> new ConfigMapBuilder(c).addToData("k", "w").build());
            client.configMaps().inNamespace("informed").withName("cm-2").delete();
            await(() -> "w".equals(seen.get("cm-1")) && !seen.containsKey("cm-2"));
        } finally {
            informer.close();
        }
    }

    @Test
    void generationCountsSpecChangesOnly() {
        Deployment d = client.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName("gen").endMetadata()
                .withNewSpec().withReplicas(1).endSpec().build()).create();
        assertThat(d.getMetadata().getGeneration()).isEqualTo(1);
        d = client.apps().deployments().withName("gen").edit(x -> new DeploymentBuilder(x).editMetadata().addToLabels("a", "b").endMetadata().build());
        assertThat(d.getMetadata().getGeneration()).isEqualTo(1);
        d = client.apps().deployments().withName("gen").edit(x -> new DeploymentBuilder(x).editSpec().withReplicas(2).endSpec().build());
        assertThat(d.getMetadata().getGeneration()).isEqualTo(2);
    }

    @Test
    void finalizersHoldADeletionUntilTheLastOneGoes() {
        client.configMaps().resource(new ConfigMapBuilder(configMap("default", "held", "x")).editMetadata()
                .addToFinalizers("vipkeeper.io/test").endMetadata().build()).create();
        client.configMaps().withName("held").delete();
        ConfigMap held = client.configMaps().withName("held").get();
        assertThat(held.getMetadata().getDeletionTimestamp()).isNotNull();
        client.configMaps().withName("held").edit(c -> new ConfigMapBuilder(c).editMetadata().withFinalizers().endMetadata().build());
        assertThat(client.configMaps().withName("held").get()).isNull();
    }

    /**
     * A namespaced CRD through fabric8: instances at the namespace scope only, an informer on them, the status
     * subresource, generation, a 422 from the schema, and the CRD's deletion reaching the informer as deletes.
     */
    @Test
    void namespacedCustomResourcesServeInformersAndGoWithTheirDefinition() throws Exception {
        client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("probes.lab.vipkeeper.io").endMetadata()
                .withNewSpec().withGroup("lab.vipkeeper.io").withScope("Namespaced")
                .withNewNames().withPlural("probes").withSingular("probe").withKind("Probe").endNames()
                .addNewVersion().withName("v1").withServed(true).withStorage(true)
                .withNewSubresources().withNewStatus().endStatus().endSubresources()
                .withNewSchema().withNewOpenAPIV3Schema().withType("object")
                .addToProperties("spec", new JSONSchemaPropsBuilder().withType("object")
                        .addToProperties("target", new JSONSchemaPropsBuilder().withType("string").withMaxLength(15L).build()).build())
                .addToProperties("status", new JSONSchemaPropsBuilder().withType("object")
                        .addToProperties("ok", new JSONSchemaPropsBuilder().withType("boolean").build()).build())
                .endOpenAPIV3Schema().endSchema().endVersion().endSpec().build()).create();
        var probes = client.genericKubernetesResources("lab.vipkeeper.io/v1", "Probe");
        Map<String, Object> seen = new ConcurrentHashMap<>();
        SharedIndexInformer<GenericKubernetesResource> informer = probes.inNamespace("probing").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource p) {
                seen.put(p.getMetadata().getName(), String.valueOf(p.getAdditionalProperties().get("status")));
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource p) {
                onAdd(p);
            }

            @Override
            public void onDelete(GenericKubernetesResource p, boolean unknown) {
                seen.remove(p.getMetadata().getName());
            }
        });
        try {
            GenericKubernetesResource probe = new GenericKubernetesResourceBuilder().withApiVersion("lab.vipkeeper.io/v1").withKind("Probe")
                    .withNewMetadata().withName("p1").withNamespace("probing").endMetadata()
                    .addToAdditionalProperties("spec", Map.of("target", "192.0.2.1"))
                    .addToAdditionalProperties("status", Map.of("ok", true)).build();
            GenericKubernetesResource created = probes.inNamespace("probing").resource(probe).create();
            assertThat(created.getMetadata().getGeneration()).isEqualTo(1);
            assertThat(created.getAdditionalProperties()).as("status is written through /status only").doesNotContainKey("status");
            await(() -> seen.containsKey("p1"));

            created.getAdditionalProperties().put("status", Map.of("ok", true));
            GenericKubernetesResource withStatus = probes.inNamespace("probing").resource(created).updateStatus();
            assertThat(withStatus.getMetadata().getGeneration()).as("a status write is no spec change").isEqualTo(1);
            await(() -> "{ok=true}".equals(seen.get("p1")));

            GenericKubernetesResource tooLong = new GenericKubernetesResourceBuilder(probe).editMetadata().withName("p2").endMetadata()
                    .addToAdditionalProperties("spec", Map.of("target", "2001:db8::1234:5678")).build();
            assertThatThrownBy(() -> probes.inNamespace("probing").resource(tooLong).create())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
                    .hasMessageContaining("Probe.lab.vipkeeper.io \"p2\" is invalid: spec.target: Too long: may not be longer than 15");

            assertThat(client.genericKubernetesResources("lab.vipkeeper.io/v1", "Probe").inAnyNamespace().list().getItems()).hasSize(1);

            assertThatThrownBy(() -> client.apiextensions().v1().customResourceDefinitions().withName("probes.lab.vipkeeper.io")
                    .edit(crd -> new CustomResourceDefinitionBuilder(crd).editSpec().withScope("Cluster").endSpec().build()))
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
                    .hasMessageContaining("spec.scope: Invalid value: \"Cluster\": field is immutable");
            client.apiextensions().v1().customResourceDefinitions().withName("probes.lab.vipkeeper.io").delete();
            await(() -> seen.isEmpty());
        } finally {
            informer.close();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }
}
