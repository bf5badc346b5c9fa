package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lab's demo pod: its answer, and a listen queue that a starved pod does not overflow at once. */
class LabBackendTest {

    @Test
    void answersWithItsNameAndTheClientAddressAndListensWithALongQueue() throws Exception {
        HttpServer server = LabBackendCommand.serve("hello-9", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try {
            int port = server.getAddress().getPort();
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            assertThat(c.getResponseCode()).isEqualTo(200);
            assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello-9 from 127.0.0.1\n");

            // for a listening socket, ss's Send-Q is the accept queue's length (the kernel caps it at somaxconn)
            int somaxconn = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).strip());
            int expected = Math.min(LabBackendCommand.BACKLOG, somaxconn);
            assertThat(listenQueue(port)).as("somaxconn %d", somaxconn).isEqualTo(expected).isGreaterThanOrEqualTo(512);
        } finally {
            server.stop(0);
        }
    }

    private static int listenQueue(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-ltnH", "sport = :" + port).redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(out).as("ss -ltn for port %d", port).startsWith("LISTEN");
        return Integer.parseInt(out.split("\\s+")[2]);
    }
}
