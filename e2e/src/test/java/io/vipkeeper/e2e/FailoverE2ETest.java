package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.AddressPlan;
import io.vipkeeper.lab.lan.Failover;
import io.vipkeeper.lab.lan.ProbeStream;
import io.vipkeeper.testsupport.RequiresRoot;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The MASTER goes away (cable cut, keepalived killed): traffic through the VIP flows again through another node. */
@RequiresRoot("a lab: failover on a cut link and on a killed keepalived")
class FailoverE2ETest {

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

    @Test
    void masterLinkCutTrafficFlowsThroughAnotherNodeWithinOneSecond() throws Exception {
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60)) {
            Failover.Round r = Failover.round(1, f.plan(), vip, probe, 5_000);
            assertThat(r.millis()).as("failover time of %s", r).isBetween(0L, 1000L);
            assertThat(r.newNode()).isNotEqualTo(r.cutNode()).isPositive();
        }
        // settled: one holder, traffic OK
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 1000, 20_000)).isPositive();
        assertThat(f.requests(vip, 10)).allMatch(ProbeStream.Answer::ok);
    }

    @Test
    void keepalivedKilledOnTheMasterVipServedAgainWithinTwoSecondsAndNoStaleCopy() throws Exception {
        int master = Failover.awaitSingleHolder(f.plan(), vip, 500, 20_000);
        assertThat(master).isPositive();
        String masterIp = f.plan().nodeIp(master);
        long pid = f.lab.keepalivedPid(master).orElseThrow();
        try (ProbeStream probe = new ProbeStream(vip, 80, 10, 1000, 6000, 60)) {
            long before = ProbeStream.nowMicros();
            assertThat(probe.await(a -> a.ok() && a.doneMicros() > before && masterIp.equals(a.from()), 10_000)).isNotNull();
            long kill = ProbeStream.nowMicros();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
            ProbeStream.Answer first = probe.await(a -> a.ok() && a.doneMicros() > kill && !masterIp.equals(a.from()), 5_000);
            assertThat(first).as("an answer through another node after keepalived was killed on %s", AddressPlan.nodeNs(master)).isNotNull();
            assertThat((first.doneMicros() - kill) / 1000).as("ms until served again").isLessThanOrEqualTo(2000);
        }
        // once things settle the VIP is on exactly one node: the killed node's copy is gone, keepalived runs there again
        LabFixture.awaitTrue(() -> f.lab.keepalivedPid(master).filter(p -> p != pid).isPresent(), "keepalived restarted on the old master",
                Duration.ofSeconds(15));
        assertThat(Failover.awaitSingleHolder(f.plan(), vip, 2000, 20_000)).as("exactly one holder of %s once settled", vip).isPositive();
        assertThat(f.lab.holders(vip)).hasSize(1);
        assertThat(f.requests(vip, 10)).allMatch(ProbeStream.Answer::ok);
    }
}
