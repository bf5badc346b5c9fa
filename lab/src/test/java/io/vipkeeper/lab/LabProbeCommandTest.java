package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** {@code lab probe} on loopback: a failed request says how it failed and from which client port. */
class LabProbeCommandTest {

    /** One request to 127.0.0.1:{@code port}; the line it printed. */
    private static String probeOnce(int port) {
        return String.join("\n", CommandOutput.lines(new LabProbeCommand(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--count", "1", "--timeout-ms", "300", "--duration-s", "5", "--parallel", "1")).strip();
    }

    @Test
    void aServerThatNeverAnswersIsAReadTimeoutWithTheClientPort() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            String line = probeOnce(silent.getLocalPort()); // accepted by the kernel, never read
            assertThat(line).matches("ERR \\d+ \\d+ SocketTimeoutException/read@\\d+");
            int clientPort = Integer.parseInt(line.substring(line.indexOf('@') + 1));
            assertThat(clientPort).isBetween(1, 65535).isNotEqualTo(silent.getLocalPort());
        }
    }

    @Test
    void nobodyListeningIsAConnectFailure() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(probeOnce(closed)).matches("ERR \\d+ \\d+ ConnectException/connect@\\d+");
    }
}
