package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.FailoverStats;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.lab.lan.Soak;
import io.vipkeeper.testsupport.RequiresRoot;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --failover-profile fast} on every agent (adverts every 0.03 s, keepalived's VRRP process real-time): a cut
 * master link moves traffic in well under the default profile's ~0.26 s, and with both cores saturated by stress-ng
 * and nothing cut, exactly one node holds the VIP all along: with normal-priority workers (which CFS lets a mostly
 * sleeping keepalived through anyway) no VRRP transition happens; with real-time workers below keepalived's priority
 * (which starve a keepalived without real-time scheduling: it flaps within seconds, docs/benchmarks.md) at most one.
 */
@RequiresRoot("a lab with the fast failover profile: failover time and a loaded soak with stress-ng")
class FastFailoverE2ETest {

    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.withAgentFlags(3, List.of("--failover-profile", "fast"));
        vip = f.helloServiceHeldByOne("hello");
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void everyAgentAdvertsEvery30MsFromARealTimeVrrpProcess() throws Exception {
        for (int i : f.plan().nodeIndexes()) {
            assertThat(Files.readString(f.lab.paths().nodeRunDir(i).resolve("keepalived.conf"))).contains("  advert_int 0.03\n", "  vrrp_no_swap\n");
            LabFixture.awaitTrue(() -> Soak.realtime(f.lab.paths(), i), "node " + i + "'s VRRP process in SCHED_RR", Duration.ofSeconds(10));
        }
    }

    @Test
    void masterLinkCutMovesTrafficInUnder200MsAtTheMedian() throws Exception {
        List<Long> ms = new ArrayList<>();
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 12_000, 120)) {
            for (int r = 1; r <= 3; r++) {
                Failover.Round round = Failover.round(r, f.plan(), vip, probe, 5_000);
                assertThat(round.millis()).as("failover time of %s", round).isBetween(0L, 1000L);
                assertThat(round.newNode()).isNotEqualTo(round.cutNode()).isPositive();
                ms.add(round.millis());
            }
        }
        // the default profile takes ~260 ms at the median (docs/benchmarks.md)
        assertThat(FailoverStats.of(ms).median()).as("median of %s ms", ms).isLessThanOrEqualTo(200);
        assertThat(f.requests(vip, 10)).allMatch(ProbeStream.Answer::ok);
    }

    @Test
    void bothCoresSaturatedFor30SecondsNothingMoves() throws Exception {
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 2000, 20_000)).as("one steady holder before the soak").isPositive();
        Soak.Result r = Soak.run(f.plan(), f.lab.paths(), vip, Duration.ofSeconds(30), 100, Soak.Stress.CPU);
        assertThat(r.transitions()).as("VRRP transitions under load").isEmpty();
        assertThat(r.twoOrMoreHolders()).as("samples with two or more holders").isZero();
        assertThat(r.noHolder()).as("samples with no holder").isZero();
        assertThat(r.samples()).as("samples taken").isGreaterThan(50);
        assertThat(r.realtimeNodes()).isEqualTo(f.plan().nodeIndexes().size());
    }

    /**
     * Not "nothing moves": the kernel stops every real-time task, keepalived's too, for ~50 ms once a second to let
     * normal tasks run (RT throttling), so the master's adverts come up to ~78 ms apart against a backup's 97 ms
     * master-down interval; on a loaded virtual machine that margin was once not enough (one clean move in 20 s,
     * docs/benchmarks.md). Without real-time VRRP the backups flap within seconds, dozens of times in 20 s.
     */
    @Test
    void realTimeHogsOnBothCoresFor20SecondsTheVipStaysOnOneNode() throws Exception {
        assertThat(Soak.realtimeStressRefused()).as("the kernel throttles real-time processes (else the hogs take every core)").isEmpty();
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 2000, 20_000)).as("one steady holder before the soak").isPositive();
        Soak.Result r = Soak.run(f.plan(), f.lab.paths(), vip, Duration.ofSeconds(20), 100, Soak.Stress.REALTIME);
        assertThat(r.transitions()).as("VRRP transitions under real-time hogs: at most one move (a MASTER and a BACKUP line)")
                .hasSizeLessThanOrEqualTo(2).filteredOn(t -> t.contains("Entering MASTER")).hasSizeLessThanOrEqualTo(1);
        assertThat(r.twoOrMoreHolders()).as("samples with two or more holders").isZero();
        assertThat(r.noHolder()).as("samples with no holder").isZero();
        assertThat(r.samples()).as("samples taken (the sampler runs above the hogs)").isGreaterThan(40);
        assertThat(r.realtimeNodes()).isEqualTo(f.plan().nodeIndexes().size());
    }
}
