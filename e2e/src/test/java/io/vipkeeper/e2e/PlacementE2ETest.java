package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.testsupport.RequiresRoot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pool placement published on the VIP ConfigMap (written here by hand, as the controller will for a VipPool with a
 * nodeSelector): the VIP goes to the one node selected, traffic follows, and its vip-holders list no backup; without
 * the placement it is held by the cluster again.
 */
@RequiresRoot("a lab: a pool's nodeSelector decides which node holds its VIP")
class PlacementE2ETest {

    static final String PLACEMENT = "vipkeeper.io/pool-placement";
    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = new LabFixture(3, "single");
        vip = f.helloServiceHeldByOne("hello");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    static void placement(String json) {
        f.editVipConfigMap(cm -> {
            var b = new ConfigMapBuilder(cm);
            if (json == null) {
                b.editMetadata().removeFromAnnotations(PLACEMENT).endMetadata();
            } else {
                b.editMetadata().addToAnnotations(PLACEMENT, json).endMetadata();
            }
            return b.build();
        });
    }

    @Test
    void aNodeSelectorPutsTheVipOnTheSelectedNodeOnly() throws Exception {
        int before = Failover.awaitSingleHolder(f.plan(), vip, 500, 20_000);
        // the controller owns the annotation (it publishes the VipPools' placements and puts its own value back at
        // once): stopped, so the agents' side is tested with a hand-written one; agents serve without a controller
        f.lab.stopController();
        int chosen = before == 3 ? 2 : 3; // a node that does not hold it now: the VIP must move
        String chosenName = AddressPlan.nodeNs(chosen);
        placement(new ObjectMapper().writeValueAsString(Map.of("lab", Map.of("addresses", List.of(vip + "/32"),
                "nodeSelector", Map.of("matchLabels", Map.of("kubernetes.io/hostname", chosenName))))));
        LabFixture.awaitTrue(() -> f.lab.holders(vip).equals(List.of(chosen)), vip + " held by " + chosenName + " only",
                Duration.ofSeconds(20));
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 1000, 20_000)).isEqualTo(chosen);
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 10).size() >= 1, "traffic through " + vip, Duration.ofSeconds(20));
        LabFixture.awaitTrue(() -> WhereIsMyVipE2ETest.holderByKubectl(f, vip)
                .filter(m -> m.path("master").asText().equals(chosenName) && m.path("backups").isEmpty()).isPresent(),
                "kubectl shows " + chosenName + " as master with no backup", Duration.ofSeconds(20));

        // a bad placement changes nothing (the last good one stays); removing it gives the VIP back to every node
        placement("{\"lab\":{\"addresses\":[\"" + vip + "/32\"],\"interface\":\"eth0\\nbad\"}}");
        LabFixture.awaitTrue(() -> f.lab.client().v1().events().inNamespace("kube-system").list().getItems().stream()
                .anyMatch(e -> "InvalidEntry".equals(e.getReason()) && e.getMessage().contains(PLACEMENT)),
                "an InvalidEntry event naming " + PLACEMENT, Duration.ofSeconds(20));
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 2000, 10_000)).as("the last good placement stays").isEqualTo(chosen);
        placement(null);
        LabFixture.awaitTrue(() -> f.lab.holders(vip).size() == 1, "one node holds " + vip, Duration.ofSeconds(20));
        LabFixture.awaitTrue(() -> f.podsAnswering(vip, 10).size() >= 1, "traffic through " + vip, Duration.ofSeconds(20));
    }
}
