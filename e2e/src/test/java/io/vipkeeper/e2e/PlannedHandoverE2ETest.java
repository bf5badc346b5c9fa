package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.lab.lan.TcpExt;
import io.vipkeeper.lab.lan.UdpFlows;
import io.vipkeeper.testsupport.RequiresRoot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A planned handover with the agents running (issue 12): two nodes with conntrack sync and --handover-on-cordon, 50
 * long-lived connections and a stream of new requests through the VIP. The MASTER's Node gets the label
 * node.kubernetes.io/exclude-from-external-load-balancers: the VIP moves to the other node with every connection
 * alive and no new request failed; the label removed, the VIP stays where it is (no preemption). Then the new
 * MASTER is cordoned: the VIP moves back, which also shows the first node became eligible again. Last, a client whose
 * ARP cache still names the cordoned node (one that ignores gratuitous ARP) gets its new connections and its UDP flows
 * through it at once.
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

    @Test
    void theLabelHandsTheVipOverWithNothingLostAndItsRemovalDoesNotTakeItBackThenACordonHandsItBack() throws Exception {
        int master = Failover.awaitSingleHolder(f.plan(), vip, 500, 20_000);
        assertThat(master).isPositive();
        int other = f.plan().nodeIndexes().stream().filter(i -> i != master).findFirst().orElseThrow();
        List<LongLivedConnections.Result> connections;
        List<ProbeStream.Answer> answers;
        long labelled;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 1500, 30);
             LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, CONNECTIONS, 20, 10)) {
            assertThat(c.awaitReady(15_000)).as("%d connections open", CONNECTIONS).isTrue();
            LabFixture.awaitTrue(() -> ConntrackSyncE2ETest.flowsOn(other, vip) >= CONNECTIONS, "the flows synced to the other node",
                    Duration.ofSeconds(8));
            labelled = ProbeStream.nowMicros();
            f.exclude(master);
            LabFixture.awaitTrue(() -> f.lab.holders(vip).equals(List.of(other)), "the VIP on the other node", Duration.ofSeconds(5));
            connections = c.awaitEnd(30_000);
            probe.close();
            answers = probe.answers();
        }
        assertThat(connections).as(ConntrackSyncE2ETest.summary(connections)).hasSize(CONNECTIONS)
                .allMatch(LongLivedConnections.Result::alive);
        assertThat(answers).as("new requests during the handover").hasSizeGreaterThan(300);
        assertThat(LabFixture.failedFrom(answers, labelled)).as(() -> "failed new requests (the action: the label); " + f.listenDrops()).isEmpty();

        // the label removed: eligible again, as BACKUP; the VIP stays on the other node throughout
        f.include(master);
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            assertThat(f.lab.holders(vip)).as("the VIP stays on the new MASTER").containsExactly(other);
            Thread.sleep(100);
        }

        // --handover-on-cordon: the new MASTER cordoned hands the VIP back, with no new request lost
        long cordoned;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 500, 15)) {
            cordoned = ProbeStream.nowMicros();
            f.editNode(other, n -> n.editOrNewSpec().withUnschedulable(true).endSpec());
            LabFixture.awaitTrue(() -> f.lab.holders(vip).equals(List.of(master)), "the VIP back on the first node", Duration.ofSeconds(5));
            probe.awaitEnd(20_000);
            answers = probe.answers();
        }
        assertThat(answers).hasSizeGreaterThan(100);
        assertThat(LabFixture.failedFrom(answers, cordoned)).as(() -> "failed new requests (the action: the cordon); " + f.listenDrops()).isEmpty();

        // a client that ignores gratuitous ARP keeps sending to the node that handed the VIP over: that node routes its
        // packets to the holder, so its new connections go through at once (NATed there, each SYN-ACK went to the
        // holder, which had no entry for it yet: every SYN was sent twice, a second apart)
        f.pinClientArp(vip, other);
        try {
            long resentBefore = TcpExt.of(AddressPlan.CLIENT_NS, TcpExt.SYN_RETRANS);
            long sent = ProbeStream.nowMicros();
            List<ProbeStream.Answer> through = f.requests(vip, 50);
            assertThat(through).hasSize(50);
            assertThat(LabFixture.failedFrom(through, sent)).as("failed requests through the node that handed over").isEmpty();
            assertThat(TcpExt.of(AddressPlan.CLIENT_NS, TcpExt.SYN_RETRANS) - resentBefore).as("SYNs the client sent twice").isZero();
            // UDP too: NATed there, the pods' answers reached the holder, which had no entry for them
            List<UdpFlows.Flow> flows;
            try (UdpFlows u = new UdpFlows(vip, AddressPlan.ECHO_PORT, 10, 20, 3)) {
                flows = u.awaitEnd(15_000);
            }
            assertThat(flows).as("UDP flows through the node that handed over").hasSize(10)
                    .allMatch(x -> x.answering() && x.answers() >= 50, "answered")
                    .allMatch(x -> x.sources().size() == 1 && x.sources().get(0).startsWith(vip + ":"), "the VIP as the source");
        } finally {
            f.unpinClientArp(vip);
        }
    }
}
