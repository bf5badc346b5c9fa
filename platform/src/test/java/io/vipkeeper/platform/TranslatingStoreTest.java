package io.vipkeeper.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vipkeeper.core.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The store keeps translations, not objects; the informer around it reports adds, changes and deletes of translations. */
@EnableKubernetesMockClient(crud = true)
class TranslatingStoreTest {

    KubernetesClient client;

    /** A ConfigMap's "port" value as an int; a value that is not a number is the object's error. */
    static Integer port(ConfigMap cm) {
        String v = cm.getData() == null ? null : cm.getData().get("port");
        if (v == null) {
            return null; // nothing to keep
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("ConfigMap " + cm.getMetadata().getName() + ": data.port: not a number");
        }
    }

    static ConfigMap cm(String name, String port) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName(name).withResourceVersion("7").endMetadata()
                .addToData(port == null ? Map.of() : Map.of("port", port)).build();
    }

    @Test
    void keepsTheTranslationAndReadsBackAsAShellWithItsKey() {
        AtomicInteger changes = new AtomicInteger();
        TranslatingStore<ConfigMap, Integer> store = new TranslatingStore<>(TranslatingStoreTest::port, ConfigMap::new,
                changes::incrementAndGet);
        assertThat(store.put("default/a", cm("a", "80"))).isNull();
        store.put("default/b", cm("b", "http"));
        store.put("default/c", cm("c", null));

        assertThat(store.snapshot().values()).containsExactly(80);
        assertThat(store.snapshot().errors()).containsExactly("ConfigMap b: data.port: not a number");
        assertThat(store.size()).isEqualTo(3);

        ConfigMap shell = store.get("default/a");
        assertThat(shell.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(shell.getMetadata().getName()).isEqualTo("a");
        assertThat(shell.getData()).isNullOrEmpty(); // the object itself is not kept
        assertThat(store.getKey(cm("a", "1"))).isEqualTo("default/a");

        assertThat(changes).hasValue(3);
        store.put("default/a", cm("a", "80")); // another object version, the same translation: no change
        assertThat(changes).hasValue(3);
        ConfigMap old = store.put("default/a", cm("a", "8080"));
        assertThat(old.getMetadata().getName()).isEqualTo("a");
        assertThat(store.snapshot().values()).containsExactly(8080);
        assertThat(store.remove("default/b").getMetadata().getName()).isEqualTo("b");
        assertThat(changes).hasValue(5);
        assertThat(store.snapshot().errors()).isEmpty();
        assertThat(store.keySet()).containsExactlyInAnyOrder("default/a", "default/c");
        assertThat(store.values()).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("a", "c");
    }

    @Test
    void anInformerOnTheStoreReportsChangedTranslationsOnly() throws Exception {
        client.configMaps().resource(cm("a", "80")).create();
        AtomicInteger changes = new AtomicInteger();
        TranslatingStore<ConfigMap, Integer> store = new TranslatingStore<>(TranslatingStoreTest::port, ConfigMap::new,
                changes::incrementAndGet);
        SharedIndexInformer<ConfigMap> informer = Informers.start(client.configMaps().inNamespace("default")
                .withLimit(Informers.PAGE).runnableInformer(0), store, "test ConfigMaps");
        try {
            await(informer::hasSynced);
            assertThat(store.snapshot().values()).containsExactly(80);
            await(() -> changes.get() == 1);
            client.configMaps().resource(cm("b", "443")).create();
            await(() -> changes.get() == 2);
            // a label: a new resourceVersion, the same translation: nothing downstream
            client.configMaps().inNamespace("default").withName("b").edit(c -> new ConfigMapBuilder(c).editMetadata()
                    .addToLabels("x", "y").endMetadata().build());
            client.configMaps().inNamespace("default").withName("a").edit(c -> new ConfigMapBuilder(c).addToData("port", "x").build());
            await(() -> store.snapshot().errors().size() == 1 && store.snapshot().values().equals(List.of(443)));
            assertThat(changes).hasValue(3);
            client.configMaps().inNamespace("default").withName("b").delete();
            await(() -> store.snapshot().values().isEmpty());
            assertThat(changes).hasValue(4);
            // the informer's own cache is this store: shells
            assertThat(informer.getStore().getByKey("default/a").getData()).isNullOrEmpty();
        } finally {
            informer.close();
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
