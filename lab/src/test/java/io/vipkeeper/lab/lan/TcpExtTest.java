package io.vipkeeper.lab.lan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TcpExtTest {

    @Test
    void readsACounterFromTheTcpExtLines() {
        String netstat = """
                TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPHPHits TCPSynRetrans
                TcpExt: 0 0 16 18 4242 7
                IpExt: InNoRoutes InTruncatedPkts
                IpExt: 0 0
                """;
        assertThat(TcpExt.parse(netstat, TcpExt.LISTEN_DROPS)).isEqualTo(18);
        assertThat(TcpExt.parse(netstat, TcpExt.SYN_RETRANS)).isEqualTo(7);
    }

    @Test
    void textWithoutTheCounterIsMinusOne() {
        assertThat(TcpExt.parse("IpExt: InNoRoutes\nIpExt: 0\n", TcpExt.LISTEN_DROPS)).isEqualTo(-1);
        assertThat(TcpExt.parse("TcpExt: SyncookiesSent ListenDrops\nTcpExt: 0\n", TcpExt.LISTEN_DROPS)).isEqualTo(-1);
        assertThat(TcpExt.parse("TcpExt: ListenDrops\nTcpExt: many\n", TcpExt.LISTEN_DROPS)).isEqualTo(-1);
    }
}
