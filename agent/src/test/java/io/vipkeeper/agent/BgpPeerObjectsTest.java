package io.vipkeeper.agent;

import static io.vipkeeper.agent.NodeAgentIntegrationTest.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.platform.EventRecorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** BgpPeer objects against the in-memory API: a valid one is used, a hostile one is refused with an Event and a condition. */
class BgpPeerObjectsTest {

    MockApi api;
    KubernetesClient client;

    @BeforeEach
    void setUp() throws Exception {
        api = new MockApi();
        client = api.client;
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    static GenericKubernetesResource peer(String name, Map<String, Object> spec) {
        GenericKubernetesResource r = new GenericKubernetesResourceBuilder().withApiVersion("vipkeeper.io/v1alpha1").withKind("BgpPeer")
                .withNewMetadata().withName(name).endMetadata().build();
        r.getAdditionalProperties().put("spec", spec);
        return r;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> valid(String name) {
        GenericKubernetesResource r = client.genericKubernetesResources(BgpPeerObjects.CONTEXT).withName(name).get();
        Object st = r == null ? null : r.getAdditionalProperties().get("status");
        if (st instanceof Map<?, ?> m && m.get("conditions") instanceof List<?> l && !l.isEmpty()) {
            return (Map<String, Object>) l.get(0);
        }
        return null;
    }

    @Test
    void aValidPeerIsUsedAndAHostileOneIsRefusedWithAnEventAndACondition() {
        var api = client.genericKubernetesResources(BgpPeerObjects.CONTEXT);
        api.resource(peer("tor-a", Map.of("address", "198.51.100.1", "asn", 65000, "localASN", 65100))).create();
        api.resource(peer("evil", Map.of("address", "198.51.100.2\n}", "asn", 4294967296L, "localASN", 65100))).create();
        try (EventRecorder events = new EventRecorder(client, "vipkeeper-agent", "node-a");
             BgpPeerObjects objects = new BgpPeerObjects(client, events, () -> { })) {
            objects.start();
            await(() -> objects.peers().size() == 1, "the valid peer", Duration.ofSeconds(10));
            assertThat(objects.peers().get(0).address()).isEqualTo(IpAddress.parse("198.51.100.1"));
            objects.report();
            await(() -> client.v1().events().inAnyNamespace().list().getItems().stream()
                    .anyMatch(e -> "InvalidBgpPeer".equals(e.getReason()) && "evil".equals(e.getInvolvedObject().getName())
                            && e.getMessage().contains("spec.address")), "the InvalidBgpPeer event", Duration.ofSeconds(10));
            assertThat(valid("evil")).containsEntry("status", "False").containsEntry("reason", "InvalidSpec");
            assertThat(String.valueOf(valid("evil").get("message"))).contains("BgpPeer evil: spec.address");
            assertThat(valid("tor-a")).containsEntry("status", "True");
            // reported once per change: no second event
            objects.report();
            long n = client.v1().events().inAnyNamespace().list().getItems().stream().filter(e -> "InvalidBgpPeer".equals(e.getReason())).count();
            assertThat(n).isEqualTo(1);
        }
    }
}
