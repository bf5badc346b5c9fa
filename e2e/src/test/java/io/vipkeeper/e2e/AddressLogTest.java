package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vipkeeper.lab.LabApiServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log behind the controller-restart test sees an address that moves and comes back, which a later read cannot. */
class AddressLogTest {

    @Test
    void seesAnAddressThatMovedAndCameBack() {
        try (LabApiServer api = new LabApiServer()) {
            api.start("127.0.0.1", 0);
            KubernetesClient k = api.client();
            k.services().resource(new ServiceBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec().withType("LoadBalancer")
                    .addNewPort().withPort(80).endPort().endSpec().build()).create();
            setAddress(k, "192.0.2.10");
            try (AddressLog log = new AddressLog(k, List.of("web"))) {
                setAddress(k, "192.0.2.11");
                setAddress(k, "192.0.2.10");
                LabFixture.awaitTrue(() -> log.seen().stream().anyMatch(e -> e.endsWith("[192.0.2.10]")) && log.seen().size() >= 2,
                        "both changes seen", Duration.ofSeconds(10));
                assertThat(log.seen()).anyMatch(e -> e.equals("web MODIFIED [192.0.2.11]"));
            }
            assertThat(k.services().withName("web").get().getStatus().getLoadBalancer().getIngress().get(0).getIp()).isEqualTo("192.0.2.10");
        }
    }

    private static void setAddress(KubernetesClient k, String ip) {
        Service s = k.services().withName("web").get();
        k.services().resource(new ServiceBuilder(s).withNewStatus().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress()
                .endLoadBalancer().endStatus().build()).updateStatus();
    }
}
