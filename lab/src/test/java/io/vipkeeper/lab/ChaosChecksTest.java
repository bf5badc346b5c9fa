package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.vipkeeper.lab.ChaosInvariants.ApiView;
import io.vipkeeper.lab.ChaosInvariants.Breach;
import io.vipkeeper.lab.ChaosInvariants.Svc;
import io.vipkeeper.lab.lan.LongLivedConnections;
import io.vipkeeper.lab.lan.ProbeStream.Answer;
import io.vipkeeper.lab.lan.Stall;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chaos run's verdicts without a lab: invariants on API views, their grace, traffic recovery from answers, and the
 * long-lived connections' verdict.
 */
class ChaosChecksTest {

    static final long S = 1_000_000; // a second in µs

    static Svc svc(String ref, String... ips) {
        return new Svc(ref, List.of(ips), null);
    }

    static List<String> invariants(List<Breach> b) {
        return b.stream().map(Breach::invariant).toList();
    }

    @Test
    void consistentServicesAndConfigMapBreakNothing() {
        ApiView v = new ApiView(List.of(svc("default/a", "192.0.2.200"), svc("default/b", "192.0.2.201")),
                Map.of("192.0.2.200", "default/a", "192.0.2.201", "default/b:DR", "192.0.2.240", ""), Set.of("192.0.2.200", "192.0.2.201"));
        assertThat(ChaosInvariants.api(v)).isEmpty();
    }

    @Test
    void anAddressHeldByTwoServicesIsABreachUnlessBothShareOneKey() {
        Map<String, String> data = Map.of("192.0.2.200", "default/a,default/b");
        ApiView twice = new ApiView(List.of(svc("default/a", "192.0.2.200"), svc("default/b", "192.0.2.200")), data, Set.of("192.0.2.200"));
        assertThat(invariants(ChaosInvariants.api(twice))).containsExactly(ChaosInvariants.SHARED_ADDRESS);
        ApiView shared = new ApiView(List.of(new Svc("default/a", List.of("192.0.2.200"), "k"), new Svc("default/b", List.of("192.0.2.200"), "k")),
                data, Set.of("192.0.2.200"));
        assertThat(ChaosInvariants.api(shared)).isEmpty();
    }

    @Test
    void aServiceWithoutAddressAMissingEntryAndAGhostAreBreaches() {
        ApiView v = new ApiView(List.of(svc("default/a"), svc("default/b", "192.0.2.201")),
                Map.of("192.0.2.200", "default/gone"), Set.of("192.0.2.200"));
        assertThat(invariants(ChaosInvariants.api(v))).containsExactlyInAnyOrder(ChaosInvariants.NO_ADDRESS, ChaosInvariants.CONFIGMAP_MISSING,
                ChaosInvariants.GHOST);
    }

    @Test
    void holdersAndLeaders() {
        assertThat(ChaosInvariants.holders(List.of("192.0.2.200", "192.0.2.201", "192.0.2.202"),
                Map.of("192.0.2.200", List.of(1), "192.0.2.201", List.of(1, 2)))).extracting(Breach::subject)
                .containsExactly("192.0.2.201", "192.0.2.202");
        assertThat(ChaosInvariants.leaders(List.of("vk-controller-1"))).isEmpty();
        assertThat(invariants(ChaosInvariants.leaders(List.of("vk-controller-1", "vk-controller-2")))).containsExactly(ChaosInvariants.LEADERS);
    }

    @Test
    void aBreachBecomesAViolationOnceItOutlastsItsGraceAndIsReportedOnce() {
        ChaosInvariants.Tracker t = new ChaosInvariants.Tracker();
        Breach noAddress = new Breach(ChaosInvariants.NO_ADDRESS, "default/a", "no address");
        assertThat(t.observe("api", List.of(noAddress), 0)).isEmpty();
        assertThat(t.observe("api", List.of(noAddress), 29 * S)).isEmpty();
        assertThat(t.observe("api", List.of(noAddress), 30 * S)).hasSize(1).first().extracting(ChaosInvariants.Violation::sinceMicros).isEqualTo(0L);
        assertThat(t.observe("api", List.of(noAddress), 31 * S)).isEmpty();
        // over, then again: a new breach with its own grace
        assertThat(t.observe("api", List.of(), 32 * S)).isEmpty();
        assertThat(t.observe("api", List.of(noAddress), 33 * S)).isEmpty();
        // no grace for two Services on one address; another scope's sample leaves the API's breaches alone
        Breach twice = new Breach(ChaosInvariants.SHARED_ADDRESS, "192.0.2.200", "twice");
        assertThat(t.observe("api", List.of(noAddress, twice), 34 * S)).hasSize(1);
        assertThat(t.observe("leaders", List.of(), 35 * S)).isEmpty();
        assertThat(t.observe("api", List.of(noAddress), 63 * S)).hasSize(1);
    }

    static Answer ok(long sent) {
        return new Answer(true, sent, sent + 2000, "hello-1", "192.0.2.11");
    }

    static Answer err(long sent) {
        return new Answer(false, sent, sent + 1000 * 1000, null, "timeout");
    }

    @Test
    void recoveryIsFromTheFaultToTheFirstAnswerAfterTheLastFailure() {
        List<Answer> a = new ArrayList<>();
        for (long t = 0; t < 10 * S; t += 20_000) {
            a.add(t >= 2 * S && t < 3 * S ? err(t) : ok(t));
        }
        ChaosTraffic.Window w = new ChaosTraffic.Window(1 * S, 8 * S);
        ChaosTraffic.Impact i = ChaosTraffic.impact(a, 2 * S, w);
        assertThat(i.failed()).isEqualTo(50);
        assertThat(i.recoveryMillis()).isEqualTo(1002); // the first OK was sent at 3 s and done 2 ms later
        assertThat(i.inBound()).isTrue();
        assertThat(ChaosTraffic.impact(a, 2 * S, new ChaosTraffic.Window(1 * S, 2_500_000)).inBound()).isFalse();
        assertThat(ChaosTraffic.impact(a, 5 * S, new ChaosTraffic.Window(5 * S, 8 * S))).isEqualTo(ChaosTraffic.Impact.NONE);
        // the failures lie in a window: none outside; without it, one burst of 50
        assertThat(ChaosTraffic.outside(a, List.of(w))).isEmpty();
        assertThat(ChaosTraffic.outside(a, List.of())).singleElement().satisfies(b -> {
            assertThat(b.count()).isEqualTo(50);
            assertThat(b.reasons()).containsExactly("timeout after 1000 ms"); // how they failed, for the violation's text
        });
    }

    @Test
    void theSeedFixesTheKindsAndEveryKindComesOncePerRound() {
        List<ChaosFault.Kind> kinds = ChaosFault.Kind.of(false);
        assertThat(kinds).hasSize(5).doesNotContain(ChaosFault.Kind.CONNTRACKD);
        ChaosSchedule a = new ChaosSchedule(42, kinds);
        ChaosSchedule b = new ChaosSchedule(42, kinds);
        List<ChaosFault.Kind> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ChaosFault.Kind k = a.nextKind();
            assertThat(b.nextKind()).isEqualTo(k);
            first.add(k);
        }
        assertThat(first.subList(0, 5)).containsExactlyInAnyOrderElementsOf(kinds);
        assertThat(first.subList(5, 10)).containsExactlyInAnyOrderElementsOf(kinds);
        // with conntrack sync, conntrackd is killed too, once per round of six
        ChaosSchedule sync = new ChaosSchedule(42, ChaosFault.Kind.of(true));
        List<ChaosFault.Kind> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            six.add(sync.nextKind());
        }
        assertThat(six).containsExactlyInAnyOrder(ChaosFault.Kind.values());
    }

    static LongLivedConnections.Result conn(int id, String state, Stall... stalls) {
        return new LongLivedConnections.Result(id, state, 0, 500, List.of(stalls));
    }

    @Test
    void aConnectionLostIsAViolationNamedWithTheFaultItWentQuietIn() {
        List<ChaosConnections.Fault> faults = List.of(new ChaosConnections.Fault("fault 1 link-flap", new ChaosTraffic.Window(10 * S, 20 * S)),
                new ChaosConnections.Fault("fault 2 agent-kill", new ChaosTraffic.Window(40 * S, 50 * S)));
        ChaosConnections.Verdict v = ChaosConnections.judge(List.of(conn(1, "alive", new Stall(11 * S, 300)),
                conn(2, "alive", new Stall(41 * S, 450), new Stall(60 * S, 200)), conn(3, "reset", new Stall(42 * S, 30_000))), 3, faults, 1000);
        // connection 3's last stall runs to the end: it is the one of its loss, in fault 2's window
        assertThat(v.longestStallMs()).containsExactly(300L, 30_000L);
        assertThat(v.alive()).isEqualTo(2);
        assertThat(v.violations()).singleElement().satisfies(x -> {
            assertThat(x.atMicros()).isEqualTo(42 * S);
            assertThat(x.text()).startsWith("connection 3 through the echo VIP reset after 500 echoes").endsWith("(in the window of fault 2 agent-kill)");
        });
    }

    @Test
    void outsideTheWindowsAConnectionMayStallNoLongerThanARequestMayTakeAndEveryConnectionMustReport() {
        List<ChaosConnections.Fault> faults = List.of(new ChaosConnections.Fault("fault 1 api-down", new ChaosTraffic.Window(10 * S, 20 * S)));
        ChaosConnections.Verdict v = ChaosConnections.judge(List.of(conn(1, "alive", new Stall(30 * S, 999)),
                conn(2, "alive", new Stall(19 * S, 5000), new Stall(30 * S, 1000))), 3, faults, 1000);
        assertThat(v.longestStallMs()).containsExactly(5000L); // began in the window: the fault's
        assertThat(v.violations()).extracting(ChaosConnections.Violation::text).containsExactly(
                "the connections' client reported on 2 of 3 connections",
                "connection 2 stalled 1000 ms from 1970-01-01T00:00:30Z, outside every fault window");
    }
}
