package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.platform.process.Exec;
import io.vipkeeper.testsupport.RequiresRoot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
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
        long logFrom = Files.size(f.lab.paths().log(AddressPlan.nodeNs(home)));
        long restoredAt;
        List<ProbeStream.Answer> answers;
        List<LongLivedConnections.Result> r;
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60);
             LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, ConntrackSyncE2ETest.CONNECTIONS, 20, 25)) {
            assertThat(c.awaitReady(15_000)).isTrue();
            awaitFlowsOnEveryNodeBut(home);
            Lan.setLink(home, false);
            awaitAnotherHolderThan(home);
            Thread.sleep(1000); // the connections go on through the other node for a while (new flows to catch up on)
            Lan.setLink(home, true);
            restoredAt = ProbeStream.nowMicros();
            answers = awaitMoveBackThenTwoSeconds(home, probe, Duration.ofSeconds(30));
            r = c.awaitEnd(40_000);
        } finally {
            Lan.setLink(home, true);
        }
        String agentLog = logSince(home, logFrom);
        System.out.printf("link back at %d µs; the home node's agent:%n%s%n", restoredAt, agentLog.lines()
                .filter(l -> l.contains("conntrackd:") || l.contains("-> MASTER")).collect(Collectors.joining("\n")));
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

    /**
     * The VIP's home node hands it over (its agent stops: SIGTERM) and comes back with an empty kernel table, as after a
     * reboot, once the new holder's own bulk send (3 s after its takeover) went to the peers without it. No peer's
     * cache holds the connections opened before (a per-vip cache keeps only what changed since the node's last
     * transition, and an established connection changes nothing), so a resync request alone does not bring them: the
     * home node must have them all the same before it takes the VIP back. 50 long-lived connections stay alive.
     */
    @Test
    void aHomeNodeBackWithAnEmptyTableHasTheOlderConnectionsBeforeItTakesItsVipBack() throws Exception {
        int home = awaitHome();
        List<LongLivedConnections.Result> r;
        List<ProbeStream.Answer> answers;
        long startedAt;
        Map<Integer, Long> logFrom = new TreeMap<>();
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 90);
             LongLivedConnections c = new LongLivedConnections(vip, AddressPlan.ECHO_PORT, ConntrackSyncE2ETest.CONNECTIONS, 20, 90)) {
            assertThat(c.awaitReady(15_000)).isTrue();
            awaitFlowsOnEveryNodeBut(home);
            for (int i : f.plan().nodeIndexes()) {
                logFrom.put(i, Files.size(f.lab.paths().log(AddressPlan.nodeNs(i))));
            }
            try {
                f.lab.stopAgent(home); // SIGTERM: a planned handover, then keepalived and conntrackd stop
                awaitAnotherHolderThan(home);
                int holder = Failover.holders(f.plan(), vip).get(0);
                LabFixture.awaitTrue(() -> logSince(holder, logFrom.get(holder)).contains("sent this node's table to the peers (became MASTER"),
                        "the new holder's bulk send", Duration.ofSeconds(15));
                Exec.Result flush = Exec.run(List.of("ip", "netns", "exec", AddressPlan.nodeNs(home), "conntrack", "-F"), Duration.ofSeconds(10));
                assertThat(flush.ok()).as("conntrack -F: %s", flush.message()).isTrue();
                assertThat(ConntrackSyncE2ETest.flowsOn(home, vip)).as("the home node's flows after the flush").isZero();
            } finally {
                startedAt = ProbeStream.nowMicros();
                f.lab.startAgent(home);
            }
            answers = awaitMoveBackThenTwoSeconds(home, probe, Duration.ofSeconds(60));
            c.finish();
            r = c.awaitEnd(30_000);
        }
        assertThat(r).as(ConntrackSyncE2ETest.summary(r)).hasSize(ConntrackSyncE2ETest.CONNECTIONS)
                .allMatch(LongLivedConnections.Result::alive);
        System.out.printf("failed new requests from the agent's start: %s%n", LabFixture.failedFrom(answers, startedAt));
        for (int i : logFrom.keySet()) {
            System.out.printf("%s:%n%s%n", AddressPlan.nodeNs(i), logSince(i, logFrom.get(i)).lines()
                    .filter(l -> l.contains("conntrackd:") || l.contains("-> MASTER")).collect(Collectors.joining("\n")));
        }
    }

    /** Waits until every node but {@code home} has the long-lived connections' flows (ESTABLISHED). */
    static void awaitFlowsOnEveryNodeBut(int home) {
        LabFixture.awaitTrue(() -> f.plan().nodeIndexes().stream().filter(i -> i != home)
                .allMatch(i -> ConntrackSyncE2ETest.flowsOn(i, vip) >= ConntrackSyncE2ETest.CONNECTIONS),
                "the flows synced to every other node", Duration.ofSeconds(8));
    }

    /** Waits until one node other than {@code home} holds the VIP. */
    static void awaitAnotherHolderThan(int home) {
        LabFixture.awaitTrue(() -> {
            List<Integer> h = Failover.holders(f.plan(), vip);
            return h.size() == 1 && h.get(0) != home;
        }, "another node holds " + vip, Duration.ofSeconds(10));
    }

    /**
     * Waits (up to {@code limit}) until the VIP is back on {@code home}, then until the probe has answers to requests
     * sent 2 s after that (they must be answered too); stops the probe and returns its answers.
     */
    static List<ProbeStream.Answer> awaitMoveBackThenTwoSeconds(int home, ProbeStream probe, Duration limit) {
        LabFixture.awaitTrue(() -> Failover.holders(f.plan(), vip).equals(List.of(home)), "the VIP back on its home node", limit);
        long backAt = ProbeStream.nowMicros();
        LabFixture.awaitTrue(() -> probe.answers().stream().anyMatch(a -> a.sentMicros() > backAt + 2_000_000),
                "answers to requests sent 2 s after the move back", Duration.ofSeconds(10));
        probe.close();
        return probe.answers();
    }

    /** Node {@code i}'s agent log from byte {@code from} on. */
    static String logSince(int i, long from) throws java.io.IOException {
        return new String(Files.readAllBytes(f.lab.paths().log(AddressPlan.nodeNs(i))), StandardCharsets.UTF_8).substring((int) from);
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
