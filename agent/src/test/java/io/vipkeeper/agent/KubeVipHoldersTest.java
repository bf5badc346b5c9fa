package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.core.names.ServiceRef;
import io.vipkeeper.core.net.IpAddress;
import io.vipkeeper.core.plan.HolderCandidates;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two masters of two VIPs of one Service write their members of vip-holders against the in-memory API: both stay. */
class KubeVipHoldersTest {

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

    static VipHolders.Holder holder(String vip, String node) {
        return new VipHolders.Holder(IpAddress.parse(vip), node, 200, List.of(new HolderCandidates.Candidate("node-z", 199)),
                Instant.parse("2026-12-02T00:00:00Z"), 0.322);
    }

    @Test
    void eachMasterWritesItsOwnVipsOfTheService() {
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web")
                .addToAnnotations("keep", "me").endMetadata().withNewSpec().withType("LoadBalancer").endSpec().build()).create();
        ServiceRef web = ServiceRef.parse("default/web");
        Set<IpAddress> vips = Set.of(IpAddress.parse("192.0.2.241"), IpAddress.parse("2001:db8::241"));
        new KubeVipHolders(client).write(web, Map.of(IpAddress.parse("192.0.2.241"), holder("192.0.2.241", "node-a")), vips);
        new KubeVipHolders(client).write(web, Map.of(IpAddress.parse("2001:db8::241"), holder("2001:db8::241", "node-b")), vips);
        Map<String, String> annotations = client.services().inNamespace("default").withName("web").get().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("keep", "me");
        var read = VipHoldersAnnotation.read(annotations.get(VipHoldersAnnotation.KEY));
        assertThat(read.get(IpAddress.parse("192.0.2.241")).path("master").asText()).isEqualTo("node-a");
        assertThat(read.get(IpAddress.parse("2001:db8::241")).path("master").asText()).isEqualTo("node-b");
        assertThat(read.get(IpAddress.parse("2001:db8::241")).path("backups").get(0).path("priority").asInt()).isEqualTo(199);
    }

    @Test
    void theWriteTestsTheResourceVersionItRead() {
        assertThat(KubeVipHolders.patch("42", Map.of("a", "b"), "{}")).isEqualTo("[{\"op\":\"test\",\"path\":"
                + "\"/metadata/resourceVersion\",\"value\":\"42\"},{\"op\":\"add\",\"path\":\"/metadata/annotations/"
                + "vipkeeper.io~1vip-holders\",\"value\":\"{}\"}]");
    }

    @Test
    void nodesAnnouncingAtOnceConvergeThroughTheConflict() {
        client.services().resource(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web")
                .addToAnnotations(VipHoldersAnnotation.KEY, "{\"192.0.2.241\":{\"master\":\"node-c\",\"priority\":200}}")
                .endMetadata().withNewSpec().withType("LoadBalancer").endSpec().build()).create();
        ServiceRef web = ServiceRef.parse("default/web");
        IpAddress bgp = IpAddress.parse("192.0.2.251");
        Set<IpAddress> vips = Set.of(IpAddress.parse("192.0.2.241"), bgp);
        KubeVipHolders a = new KubeVipHolders(client);
        KubeVipHolders b = new KubeVipHolders(client);
        int[] merges = {0};
        // node-b writes between node-a's read and node-a's patch: node-a's patch is refused and merged again
        a.write(web, now -> {
            if (merges[0]++ == 0) {
                b.announce(web, "node-b", Set.of(bgp), vips);
            }
            return VipHoldersAnnotation.mergeAnnouncer(now, "node-a", Set.of(bgp), vips);
        }, "node-a");
        assertThat(merges[0]).as("merged again after the conflict").isEqualTo(2);
        String text = annotation();
        assertThat(VipHoldersAnnotation.announcers(text, bgp)).containsExactly("node-a", "node-b");
        assertThat(VipHoldersAnnotation.read(text).get(IpAddress.parse("192.0.2.241")).path("master").asText()).isEqualTo("node-c");
        // node-a stops announcing: node-b stays, the VRRP member too
        a.announce(web, "node-a", Set.of(), vips);
        assertThat(VipHoldersAnnotation.announcers(annotation(), bgp)).containsExactly("node-b");
        assertThat(VipHoldersAnnotation.read(annotation())).containsKey(IpAddress.parse("192.0.2.241"));
    }

    private String annotation() {
        return client.services().inNamespace("default").withName("web").get().getMetadata().getAnnotations().get(VipHoldersAnnotation.KEY);
    }
}
