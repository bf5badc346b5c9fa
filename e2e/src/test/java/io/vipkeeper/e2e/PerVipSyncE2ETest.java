package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.testsupport.RequiresRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --vrrp-instances per-vip} with conntrack sync: a VIP's first-choice node takes it back by preemption 5 s after
 * it is back from a fault, and only once the flows its peers opened meanwhile are in its kernel table.
 */
@RequiresRoot("a lab: per-vip VRRP instances with conntrack sync")
class PerVipSyncE2ETest {

    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.withConntrackSync("per-vip", 3);
        vip = f.echoServiceHeldByOne();
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    /**
     * The VIP's home node (its first choice) loses its link: another node takes the VIP and the connections; the link
     * comes back, and the home node takes the VIP back after it caught up (its agent's log says so before keepalived's
     * move). 50 long-lived connections stay alive and no new request sent after the link came back fails.
     */
    @Test
    void theHomeNodeTakesItsVipBackOnlyOnceCaughtUpAndNothingIsLost() throws Exception {
        int home = awaitHome();
        Path log = f.lab.paths().log(AddressPlan.nodeNs(home));
        long logFrom = Files.size(log);
        long restoredAt;
        List<ProbeStream.Answer> answers;
        List<LongLivedConnections.Result> r;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60);
             LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, ConntrackSyncE2ETest.CONNECTIONS, 20, 25)) {
            assertThat(c.awaitReady(15_000)).isTrue();
            LabFixture.awaitTrue(() -> f.plan().nodeIndexes().stream().filter(i -> i != home)
                    .allMatch(i -> ConntrackSyncE2ETest.flowsOn(i, vip) >= ConntrackSyncE2ETest.CONNECTIONS),
                    "the flows synced to every other node", Duration.ofSeconds(8));
            Lan.setLink(home, false);
            LabFixture.awaitTrue(() -> {
                List<Integer> h = Failover.holders(f.plan(), vip);
                return h.size() == 1 && h.get(0) != home;
            }, "another node holds " + vip, Duration.ofSeconds(10));
            Thread.sleep(1000); // the connections go on through the other node for a while (new flows to catch up on)
            Lan.setLink(home, true);
            restoredAt = ProbeStream.nowMicros();
            LabFixture.awaitTrue(() -> Failover.holders(f.plan(), vip).equals(List.of(home)), "the VIP back on its home node",
                    Duration.ofSeconds(30));
            long backAt = ProbeStream.nowMicros();
            // requests sent in the 2 s after the move back must be answered too
            LabFixture.awaitTrue(() -> probe.answers().stream().anyMatch(a -> a.sentMicros() > backAt + 2_000_000),
                    "answers to requests sent 2 s after the move back", Duration.ofSeconds(10));
            probe.close();
            answers = probe.answers();
            r = c.awaitEnd(40_000);
        } finally {
            Lan.setLink(home, true);
        }
        String agentLog = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).substring((int) logFrom);
        System.out.printf("link back at %d µs; the home node's agent:%n%s%n", restoredAt, agentLog.lines()
                .filter(l -> l.contains("conntrackd:") || l.contains("-> MASTER")).collect(java.util.stream.Collectors.joining("\n")));
        int caughtUp = agentLog.indexOf("caught up with the peers");
        int master = agentLog.indexOf("BACKUP -> MASTER", Math.max(caughtUp, 0));
        assertThat(caughtUp).as("the home node's agent caught up (its log since the cut):%n%s", agentLog).isNotNegative();
        assertThat(agentLog.substring(0, caughtUp)).as("no MASTER before it caught up").doesNotContain("BACKUP -> MASTER");
        assertThat(master).as("MASTER again after it caught up").isPositive();
        assertThat(r).as(ConntrackSyncE2ETest.summary(r)).allMatch(LongLivedConnections.Result::alive);
        List<ProbeStream.Answer> after = answers.stream().filter(a -> a.sentMicros() >= restoredAt).toList();
        assertThat(after).as("requests sent after the link came back").hasSizeGreaterThan(300);
        assertThat(LabFixture.failedFrom(after, restoredAt)).as(() -> "failed new requests (from the link's return); "
                + f.listenDrops()).isEmpty();
    }

    /** The node holding the VIP once it has not moved for 7 s (per-vip instances preempt 5 s after they start). */
    static int awaitHome() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Integer> last = List.of();
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            List<Integer> now = Failover.holders(f.plan(), vip);
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            } else if (now.size() == 1 && System.nanoTime() - stableSince >= Duration.ofSeconds(7).toNanos()) {
                return now.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError(vip + " did not settle on one node within 60 s: " + last);
    }
}
