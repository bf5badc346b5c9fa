package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.viptable.VipConfigMapCodec;
import io.vipkeeper.core.viptable.VipTable;
import io.vipkeeper.platform.EventRecorder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An announcement against the in-memory API: the Service gets the announcing-node annotation and a VIPAnnounced Event, once. */
class KubeAnnouncementsTest {

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

    long announcedEvents() {
        return client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> "VIPAnnounced".equals(e.getReason())).count();
    }

    @Test
    void aMasterAnnotatesTheServiceAndRecordsAnEventOnce() {
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("LoadBalancer").endSpec().build()).create();
        VipTable table = VipConfigMapCodec.decode(Map.of("192.0.2.241", "default/web")).table();
        List<IpAddress> vips = List.of(IpAddress.parse("192.0.2.241"));
        try (EventRecorder events = new EventRecorder(client, "vipkeeper-agent", "node-a")) {
            Announcer announcer = new Announcer(new KubeAnnouncements(client, events, "node-a"), Runnable::run);
            announcer.held(vips, table);
            announcer.held(vips, table);
            events.close(); // waits for the queued events
            assertThat(client.services().inNamespace("default").withName("web").get().getMetadata().getAnnotations())
                    .containsEntry(KubeAnnouncements.ANNOUNCING_NODE, "node-a");
            assertThat(announcedEvents()).isEqualTo(1);
        }
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .anySatisfy(e -> assertThat(e.getMessage()).isEqualTo("node node-a holds 192.0.2.241 (VRRP MASTER)"));
    }
}
