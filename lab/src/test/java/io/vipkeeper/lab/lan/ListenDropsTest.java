package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListenDropsTest {

    @Test
    void readsListenDropsFromTheTcpExtLines() {
        String netstat = """
                TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPHPHits
                TcpExt: 0 0 16 18 4242
                IpExt: InNoRoutes InTruncatedPkts
                IpExt: 0 0
                """;
        assertThat(ListenDrops.parse(netstat)).isEqualTo(18);
    }

    @Test
    void textWithoutTheCounterIsMinusOne() {
        assertThat(ListenDrops.parse("IpExt: InNoRoutes\nIpExt: 0\n")).isEqualTo(-1);
        assertThat(ListenDrops.parse("TcpExt: SyncookiesSent ListenDrops\nTcpExt: 0\n")).isEqualTo(-1);
        assertThat(ListenDrops.parse("TcpExt: ListenDrops\nTcpExt: many\n")).isEqualTo(-1);
    }
}
