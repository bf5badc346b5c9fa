package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The indexed store: look-ups, resourceVersions, paging, watches that resume or are too old, selections. */
class ObjectStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SVC = "/services";

    private static ObjectNode object(String namespace, String name, String label) {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode m = o.putObject("metadata").put("name", name);
        if (namespace != null) {
            m.put("namespace", namespace);
        }
        if (label != null) {
            m.putObject("labels").put("tier", label);
        }
        return o;
    }

    private static List<String> names(List<ObjectNode> items) {
        return items.stream().map(o -> ObjectStore.namespaceOf(o) + "/" + ObjectStore.nameOf(o)).toList();
    }

    @Test
    void everyWriteTakesTheNextResourceVersionAndNeverChangesAStoredObject() {
        ObjectStore store = new ObjectStore(10);
        ObjectNode created = store.create(SVC, object("a", "x", null));
        assertThat(created.at("/metadata/resourceVersion").asText()).isEqualTo("1");
        ObjectNode updated = store.update(SVC, object("a", "x", "front"));
        assertThat(updated.at("/metadata/resourceVersion").asText()).isEqualTo("2");
        assertThat(created.at("/metadata/resourceVersion").asText()).isEqualTo("1");
        assertThat(store.get(SVC, "a", "x")).contains(updated);
        assertThat(store.delete(SVC, "a", "x").orElseThrow().at("/metadata/resourceVersion").asText()).isEqualTo("3");
        assertThat(updated.at("/metadata/resourceVersion").asText()).as("the DELETED event has its own copy").isEqualTo("2");
        assertThat(store.get(SVC, "a", "x")).isEmpty();
        assertThat(store.resourceVersion()).isEqualTo(3);
        assertThatThrownBy(() -> store.update(SVC, object("a", "x", null))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void indexesByTypeNamespaceAndName() {
        ObjectStore store = new ObjectStore(10);
        store.create(SVC, object("b", "x", null));
        store.create(SVC, object("a", "y", null));
        store.create(SVC, object("a", "x", null));
        store.create("/configmaps", object("a", "x", null));
        store.create("/nodes", object(null, "n1", null));
        assertThat(names(store.all(SVC, null))).containsExactly("a/x", "a/y", "b/x");
        assertThat(names(store.all(SVC, "a"))).containsExactly("a/x", "a/y");
        assertThat(names(store.all("/configmaps", null))).containsExactly("a/x");
        assertThat(store.get("/nodes", null, "n1")).isPresent();
        assertThat(store.size(SVC)).isEqualTo(3);
    }

    @Test
    void pagesContinueInNamespaceAndNameOrder() {
        ObjectStore store = new ObjectStore(100);
        for (String ns : List.of("b", "a", "c")) {
            for (int i = 0; i < 3; i++) {
                store.create(SVC, object(ns, "s" + i, i == 1 ? "back" : "front"));
            }
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            ObjectStore.Page page = store.list(SVC, null, o -> true, 4, after);
            seen.addAll(names(page.items()));
            after = page.next().orElse(null);
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("a/s0", "a/s1", "a/s2", "b/s0", "b/s1", "b/s2", "c/s0", "c/s1", "c/s2");

        ObjectStore.Page front = store.list(SVC, "b", LabelSelector.parse("tier in (front)"), 1, null);
        assertThat(names(front.items())).containsExactly("b/s0");
        assertThat(names(store.list(SVC, "b", LabelSelector.parse("tier in (front)"), 1, front.next().orElseThrow()).items()))
                .containsExactly("b/s2");
    }

    @Test
    void aWatchResumesFromAResourceVersionOrIsTooOld() throws Exception {
        ObjectStore store = new ObjectStore(3);
        store.create(SVC, object("a", "x", null)); // 1
        store.create(SVC, object("a", "y", null)); // 2
        List<String> seen = new ArrayList<>();
        Runnable stop = store.watch(SVC, "a", o -> true, 1L, (type, o) -> seen.add(type + " " + ObjectStore.nameOf(o)));
        assertThat(seen).containsExactly("ADDED y");
        store.update(SVC, object("a", "x", "front")); // 3
        store.delete(SVC, "a", "y"); // 4
        store.create(SVC, object("b", "z", null)); // 5: other namespace
        assertThat(seen).containsExactly("ADDED y", "MODIFIED x", "DELETED y");
        stop.run();
        store.create(SVC, object("a", "w", null)); // 6
        assertThat(seen).hasSize(3);

        // the history holds 3 events (4, 5, 6): from 3 on is complete, from 2 is not
        List<String> resumed = new ArrayList<>();
        store.watch(SVC, null, o -> true, 3L, (type, o) -> resumed.add(type + " " + ObjectStore.nameOf(o)));
        assertThat(resumed).containsExactly("DELETED y", "ADDED z", "ADDED w");
        assertThatThrownBy(() -> store.watch(SVC, null, o -> true, 2L, (type, o) -> true))
                .isInstanceOf(ObjectStore.TooOld.class).hasMessageContaining("too old resource version: 2");
    }

    @Test
    void aWatchWithoutAResourceVersionStartsWithTheCurrentState() throws Exception {
        ObjectStore store = new ObjectStore(1);
        for (int i = 0; i < 5; i++) {
            store.create(SVC, object("a", "s" + i, null));
        }
        List<String> seen = new ArrayList<>();
        store.watch(SVC, null, o -> true, null, (type, o) -> seen.add(type + " " + ObjectStore.nameOf(o)));
        assertThat(seen).containsExactly("ADDED s0", "ADDED s1", "ADDED s2", "ADDED s3", "ADDED s4");
    }

    @Test
    void aChangeOutOfAWatchsSelectionIsADeleteAndIntoItAnAdd() throws Exception {
        ObjectStore store = new ObjectStore(10);
        List<String> seen = new ArrayList<>();
        store.watch(SVC, null, LabelSelector.parse("tier=front"), 0L, (type, o) -> seen.add(type + " " + ObjectStore.nameOf(o)));
        store.create(SVC, object("a", "x", "back"));
        store.update(SVC, object("a", "x", "front"));
        store.update(SVC, object("a", "x", "front"));
        store.update(SVC, object("a", "x", "back"));
        assertThat(seen).containsExactly("ADDED x", "MODIFIED x", "DELETED x");
    }

    @Test
    void aWatcherThatIsGoneIsDropped() throws Exception {
        ObjectStore store = new ObjectStore(10);
        store.watch(SVC, null, o -> true, 0L, (type, o) -> false);
        assertThat(store.watchers(SVC)).isEqualTo(1);
        store.create(SVC, object("a", "x", null));
        assertThat(store.watchers(SVC)).isZero();
    }

    @Test
    void tenThousandObjectsCostALookUpEach() {
        ObjectStore store = new ObjectStore(100);
        long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            store.create(SVC, object("ns" + (i % 10), "s" + i, null));
        }
        for (int i = 0; i < 10_000; i++) {
            assertThat(store.get(SVC, "ns" + (i % 10), "s" + i)).isPresent();
        }
        // a scan per request made this minutes; a look-up makes it well under a second even on a busy machine
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
    }

    @Test
    void labelSelectorsIncludeSetBasedTerms() throws Exception {
        JsonNode front = object("a", "x", "front");
        JsonNode none = object("a", "y", null);
        assertThat(LabelSelector.parse("tier in (front, back)").test(front)).isTrue();
        assertThat(LabelSelector.parse("tier notin (front)").test(front)).isFalse();
        assertThat(LabelSelector.parse("tier notin (front)").test(none)).isTrue();
        assertThat(LabelSelector.parse("tier").test(none)).isFalse();
        assertThat(LabelSelector.parse("!tier").test(none)).isTrue();
        assertThat(LabelSelector.parse("tier!=back,tier==front").test(front)).isTrue();
        assertThat(LabelSelector.parse("tier=back").test(front)).isFalse();
        assertThatThrownBy(() -> LabelSelector.parse("tier in front")).isInstanceOf(IllegalArgumentException.class);
    }
}
