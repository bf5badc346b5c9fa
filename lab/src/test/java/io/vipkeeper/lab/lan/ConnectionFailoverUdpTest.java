package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A round's UDP figures: answered, one pod, one source, and the gaps of the failover window only. */
class ConnectionFailoverUdpTest {

    static final long CUT = 1_000_000_000_000L; // epoch µs of the action
    static final long WINDOW_END = CUT + 3_000_000;

    static UdpFlows.Flow flow(int id, boolean answering, List<String> pods, List<String> sources, Stall... stalls) {
        return new UdpFlows.Flow(id, answering, 500, 900, CUT + 9_000_000, pods, sources, List.of(stalls));
    }

    @Test
    void countsEachPropertyApartAndTakesOnlyTheGapsOfTheFailover() {
        List<UdpFlows.Flow> r = List.of(
                flow(1, true, List.of("hello-1"), List.of("198.51.100.200:40001"), new Stall(CUT - 2_000_000, 900), new Stall(CUT + 10_000, 300)),
                flow(2, true, List.of("hello-2", "hello-3"), List.of("198.51.100.200:40002"), new Stall(CUT + 20_000, 250)),
                flow(3, false, List.of("hello-3"), List.of("198.51.100.11:40003", "198.51.100.12:40003")));
        ConnectionFailover.Udp u = ConnectionFailover.Udp.of(3, r, CUT, WINDOW_END);
        assertThat(u).isEqualTo(new ConnectionFailover.Udp(3, 2, 2, 2, 300, 250));
    }

    @Test
    void flowsTheClientDidNotReportCountAsNotAnswered() {
        ConnectionFailover.Udp u = ConnectionFailover.Udp.of(20, List.of(), CUT, WINDOW_END);
        assertThat(u.flows()).isEqualTo(20);
        assertThat(u.answering()).isZero();
    }
}
