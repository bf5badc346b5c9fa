package io.vipkeeper.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.lan.Lan;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.UdpFlows;
import io.vipkeeper.testsupport.RequiresRoot;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The control of {@link ConntrackSyncE2ETest}: the same 50 connections and the same cut link, without conntrack sync
 * ({@code --conntrack-sync=false}, masquerade to the node). The new MASTER has no entry for the connections, so they
 * are reset or hang: this shows the survival test can fail. UDP flows keep their pod (the same hash on every node) but
 * not their source: each node masquerades to its own address.
 */
@RequiresRoot("a lab: long-lived connections through a failover without conntrack sync")
class ConntrackSyncOffE2ETest {

    static LabFixture f;
    static String vip;

    @BeforeAll
    static void up() throws Exception {
        f = LabFixture.withAgentFlags(3, List.of("--conntrack-sync=false"));
        vip = f.echoServiceHeldByOne();
    }

    @AfterAll
    static void down() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void withoutSyncACutLinkBreaksTheConnections() throws Exception {
        List<LongLivedConnections.Result> r = ConntrackSyncE2ETest.throughFailover(f, vip, false, master -> Lan.setLink(master, false));
        long alive = r.stream().filter(LongLivedConnections.Result::alive).count();
        System.out.println("conntrack sync off, link cut: " + alive + " of " + r.size() + " alive " + ConntrackSyncE2ETest.summary(r));
        assertThat(alive).as(ConntrackSyncE2ETest.summary(r)).isLessThanOrEqualTo(5);
    }

    @Test
    void withoutSyncAUdpFlowKeepsItsPodButNotItsSource() throws Exception {
        List<UdpFlows.Flow> r = ConntrackSyncE2ETest.udpThroughFailover(f, vip);
        assertThat(r).as("%s", r).allMatch(UdpFlows.Flow::answering)
                .allMatch(x -> x.pods().size() == 1, "one pod")
                .allMatch(x -> x.sources().size() == 2 && x.sources().stream().noneMatch(s -> s.startsWith(vip + ":")),
                        "two sources, the nodes' addresses");
    }
}
