package io.vipkeeper.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UdpSocketDropsTest {

    static final String HEADER = "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

    @Test
    void sumsTheDropsOfEverySocketOnThePortInBothFamiliesAndNothingElse() throws Exception {
        String udp = HEADER
                + "  101: 00000000:0EC4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4711 2 0000000000000000 281\n"
                + "  102: 0D6433C6:0EC4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4712 2 0000000000000000 4\n"
                + "  103: 0D6433C6:D2F5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4713 2 0000000000000000 9\n"
                + "garbage line\n";
        String udp6 = HEADER
                + "  7: 00000000000000000000000000000000:0EC4 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000"
                + " 00000000     0        0 4714 2 0000000000000000 10\n";
        assertThat(UdpSocketDrops.parse(udp, 3780)).isEqualTo(285);
        assertThat(UdpSocketDrops.parse(udp, 0xD2F5)).isEqualTo(9);
        assertThat(UdpSocketDrops.parse(udp, 53)).isZero();
        assertThat(UdpSocketDrops.parse("", 3780)).isZero();
        assertThat(UdpSocketDrops.parse(udp6, 3780)).isEqualTo(10);
    }

    @Test
    void readsTheFilesOfTheNamespaceAndCountsAMissingOneAsNothing(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("udp"), HEADER
                + "  101: 00000000:0EC4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4711 2 0000000000000000 3\n");
        assertThat(new UdpSocketDrops(dir).of(3780)).isEqualTo(3); // no udp6: an IPv4-only node
    }
}
