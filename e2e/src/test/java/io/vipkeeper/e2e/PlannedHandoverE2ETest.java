package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.vipkeeper.core.plan.Handover;
import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.testsupport.RequiresRoot;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A planned handover with the agents running (issue 12): two nodes with conntrack sync and --handover-on-cordon, 50
 * long-lived connections and a stream of new requests through the VIP. The MASTER's Node gets the label
 * node.kubernetes.io/exclude-from-external-load-balancers: the VIP moves to the other node with every connection
 * alive and no new request failed; the label removed, the VIP stays where it is (no preemption). Then the new
 * MASTER is cordoned: the VIP moves back, which also shows the first node became eligible again.
 */
@RequiresRoot("a lab: a planned handover by Node label and cordon, with conntrack sync")
class PlannedHandoverE2ETest {

    static final int CONNECTIONS = 50;
    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.withConntrackSync(2, "--handover-on-cordon");
        vip = f.echoServiceHeldByOne();
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    static void editNode(int i, UnaryOperator<NodeBuilder> change) {
        f.lab.client().nodes().withName(AddressPlan.nodeNs(i)).edit(n -> change.apply(new NodeBuilder(n)).build());
    }

    /** The node's track file says it is eligible again (the agent wrote 0: its instance leaves FAULT as BACKUP). */
    static boolean eligible(int i) throws Exception {
        return Files.readString(f.lab.paths().nodeRunDir(i).resolve("node-eligible")).equals("0\n");
    }

    @Test
    void theLabelHandsTheVipOverWithNothingLostAndItsRemovalDoesNotTakeItBackThenACordonHandsItBack() throws Exception {
        int master = Failover.awaitSingleHolder(f.plan(), vip, 500, 20_000);
        assertThat(master).isPositive();
        int other = f.plan().nodeIndexes().stream().filter(i -> i != master).findFirst().orElseThrow();
        List<LongLivedConnections.Result> connections;
        List<ProbeStream.Answer> answers;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 1500, 30);
             LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, CONNECTIONS, 20, 10)) {
            assertThat(c.awaitReady(15_000)).as("%d connections open", CONNECTIONS).isTrue();
            LabFixture.awaitTrue(() -> ConntrackSyncE2ETest.flowsOn(other, vip) >= CONNECTIONS, "the flows synced to the other node",
                    Duration.ofSeconds(8));
            editNode(master, n -> n.editMetadata().addToLabels(Handover.EXCLUDE_LABEL, "").endMetadata());
            LabFixture.awaitTrue(() -> f.lab.holders(vip).equals(List.of(other)), "the VIP on the other node", Duration.ofSeconds(5));
            connections = c.awaitEnd(30_000);
            probe.close();
            answers = probe.answers();
        }
        assertThat(connections).as(ConntrackSyncE2ETest.summary(connections)).hasSize(CONNECTIONS)
                .allMatch(LongLivedConnections.Result::alive);
        assertThat(answers).as("new requests during the handover").hasSizeGreaterThan(300);
        assertThat(answers.stream().filter(a -> !a.ok()).toList()).as("failed new requests").isEmpty();

        // the label removed: eligible again, as BACKUP; the VIP stays on the other node throughout
        editNode(master, n -> n.editMetadata().removeFromLabels(Handover.EXCLUDE_LABEL).endMetadata());
        LabFixture.awaitTrue(() -> eligible(master), "the old MASTER eligible again", Duration.ofSeconds(10));
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            assertThat(f.lab.holders(vip)).as("the VIP stays on the new MASTER").containsExactly(other);
            Thread.sleep(100);
        }

        // --handover-on-cordon: the new MASTER cordoned hands the VIP back, with no new request lost
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 500, 15)) {
            editNode(other, n -> n.editOrNewSpec().withUnschedulable(true).endSpec());
            LabFixture.awaitTrue(() -> f.lab.holders(vip).equals(List.of(master)), "the VIP back on the first node", Duration.ofSeconds(5));
            probe.awaitEnd(20_000);
            answers = probe.answers();
        }
        assertThat(answers).hasSizeGreaterThan(100);
        assertThat(answers.stream().filter(a -> !a.ok()).toList()).as("failed new requests after the cordon").isEmpty();
    }
}
