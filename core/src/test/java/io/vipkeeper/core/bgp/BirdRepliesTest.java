package io.vipkeeper.core.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Replies captured from BIRD 2.0.12 (docs/design/bgp/samples). */
class BirdRepliesTest {

    @Test
    void protocolRowsWithIsoTimes() {
        List<BirdReplies.Line> l = BirdReplies.parse(List.of(
                "2002-Name       Proto      Table      State  Since         Info",
                "1002-device1    Device     ---        up     2026-12-01 21:51:27  ",
                " vips4      Static     master4    up     2026-12-01 21:51:27  ",
                " peer_198_51_100_1 BGP        ---        up     2026-12-01 21:51:29  Established   ",
                " peer_2001_db8__1  BGP        ---        start  2026-12-01 21:51:27  Active        Socket: Connection refused",
                "0000 "));
        assertThat(BirdReplies.outcome(l)).isZero();
        assertThat(BirdReplies.protocols(l)).hasSize(4);
        BirdReplies.ProtocolRow up = BirdReplies.protocols(l).get(2);
        assertThat(up.name()).isEqualTo("peer_198_51_100_1");
        assertThat(up.since()).isEqualTo("2026-12-01 21:51:29");
        assertThat(up.established()).isTrue();
        BirdReplies.ProtocolRow down = BirdReplies.protocols(l).get(3);
        assertThat(down.established()).isFalse();
        assertThat(down.info()).isEqualTo("Active Socket: Connection refused");
    }

    @Test
    void errorsBfdSessionsAndExportCounts() {
        List<BirdReplies.Line> bad = BirdReplies.parse(List.of("0002-Reading configuration from /run/bird.conf",
                "8002 /run/bird.conf:39:8 syntax error, unexpected CF_SYM_UNDEFINED, expecting TIME"));
        assertThat(BirdReplies.failed(bad)).isTrue();
        assertThat(BirdReplies.errors(bad)).isEqualTo("/run/bird.conf:39:8 syntax error, unexpected CF_SYM_UNDEFINED, expecting TIME");
        assertThat(BirdReplies.isLast("0000 ")).isTrue();
        assertThat(BirdReplies.isLast("1002-x")).isFalse();
        assertThat(BirdReplies.isLast(" vips4")).isFalse();
        List<BirdReplies.Line> bfd = BirdReplies.parse(List.of("1020-bfd1:",
                " IP address                Interface  State      Since         Interval  Timeout",
                " 2001:db8:100::1           eth0       Up         2026-12-01 21:51:29    0.100    0.300",
                " 198.51.100.1              eth0       Down       2026-12-01 21:51:29    1.000    0.000",
                "0000 "));
        assertThat(BirdReplies.bfdSessions(bfd)).containsExactly(new BirdReplies.BfdSession("2001:db8:100::1", "eth0", "Up"),
                new BirdReplies.BfdSession("198.51.100.1", "eth0", "Down"));
        List<BirdReplies.Line> all = BirdReplies.parse(List.of(
                "2002-Name       Proto      Table      State  Since         Info",
                "1002-r4         BGP        ---        up     2026-12-01 21:18:44  Established   ",
                "1006-  BGP state:          Established",
                "     Channel ipv4",
                "       Routes:         0 imported, 3 exported, 0 preferred",
                "1002-r6         BGP        ---        start  2026-12-01 21:18:44  Idle   ",
                "1006-  BGP state:          Idle",
                "0000 "));
        assertThat(BirdReplies.exported(all)).containsEntry("r4", 3L).doesNotContainKey("r6");
    }
}
