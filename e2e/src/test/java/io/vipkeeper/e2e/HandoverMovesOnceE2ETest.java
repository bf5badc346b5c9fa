package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.testsupport.RequiresRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A planned handover among three nodes moves the VIP once (issue 12): the MASTER's Node labelled
 * node.kubernetes.io/exclude-from-external-load-balancers puts its instance in FAULT, whose priority-0 advert lets every
 * backup take over after its skew alone, (256 − priority)/256 × advert. With the single-mode priorities one step apart
 * (200 + index) the two backups' skews differed by < 0.4 ms: both became MASTER and the lower one yielded 20–50 ms
 * later, and now and then the lower one won (seen in this test with the former rule: round 1 of 12 went to the lowest
 * node, round 4 put two nodes in MASTER 24 ms apart). Spaced 25 apart (204, 229, 254), CI once saw two MASTERs 39 ms
 * apart in round 8 (skews 9.8 ms apart); 50 apart (154, 204, 254: 19.5 ms) only the highest backup enters MASTER.
 * The race is a matter of timing, hence 12 rounds (~3 s each).
 */
@RequiresRoot("a lab: planned handovers among three nodes, each moving the VIP once")
class HandoverMovesOnceE2ETest {

    static final int ROUNDS = 12;
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

    static long size(Path file) throws IOException {
        return Files.exists(file) ? Files.size(file) : 0;
    }

    /** keepalived's "Entering MASTER STATE" lines written to node {@code i}'s log since {@code from}. */
    static List<String> masterEntries(int i, long from) throws IOException {
        return entries(i, from, "Entering MASTER STATE");
    }

    /** The lines containing {@code text} written to node {@code i}'s log since {@code from}. */
    static List<String> entries(int i, long from, String text) throws IOException {
        Path log = f.lab.paths().log(AddressPlan.nodeNs(i));
        byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        int start = (int) Math.min(from, all.length);
        return new String(all, start, all.length - start, StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains(text)).map(l -> AddressPlan.nodeNs(i) + ": " + l.strip()).toList();
    }

    @Test
    void eachPlannedHandoverPutsExactlyOneBackupInMasterState() throws Exception {
        List<String> rounds = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            int master = Failover.awaitSingleHolder(f.plan(), vip, 1000, 20_000);
            assertThat(master).as("round %d: one steady holder", round).isPositive();
            Map<Integer, Long> logStart = new HashMap<>();
            for (int i : f.plan().nodeIndexes()) {
                logStart.put(i, size(f.lab.paths().log(AddressPlan.nodeNs(i))));
            }
            f.exclude(master);
            LabFixture.awaitTrue(() -> f.lab.holders(vip).size() == 1 && !f.lab.holders(vip).contains(master),
                    "round " + round + ": the VIP off node " + master, Duration.ofSeconds(5));
            // a second backup that also took over yields within ~50 ms; 1 s of steady holding is past any such flip
            int next = Failover.awaitSingleHolder(f.plan(), vip, 1000, 10_000);
            List<String> entries = new ArrayList<>();
            for (int i : f.plan().nodeIndexes()) {
                if (i != master) {
                    entries.addAll(masterEntries(i, logStart.get(i)));
                }
            }
            rounds.add("round " + round + ": " + AddressPlan.nodeNs(master) + " -> " + AddressPlan.nodeNs(next) + " " + entries);
            assertThat(entries).as("round %d, MASTER %s handed over (%s)", round, AddressPlan.nodeNs(master), rounds)
                    .hasSize(1).allMatch(e -> e.startsWith(AddressPlan.nodeNs(next) + ":"));
            // node addresses are in node order: the highest remaining address has the highest priority and waits least
            int highest = f.plan().nodeIndexes().stream().filter(i -> i != master).max(Integer::compare).orElseThrow();
            assertThat(next).as("round %d: the highest-priority backup took over (%s)", round, rounds).isEqualTo(highest);
            // eligible is not yet BACKUP: the next round's handover may only count on it once keepalived says so
            long before = size(f.lab.paths().log(AddressPlan.nodeNs(master)));
            f.include(master);
            LabFixture.awaitTrue(() -> !entries(master, before, "Entering BACKUP STATE").isEmpty(),
                    "round " + round + ": node " + master + " BACKUP again", Duration.ofSeconds(10));
        }
        System.out.println("planned handovers: " + rounds);
    }
}
