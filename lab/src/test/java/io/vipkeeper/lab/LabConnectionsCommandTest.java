package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The long-lived connections client on loopback: every stall of 50 ms or more is reported with its connection. */
class LabConnectionsCommandTest {

    @Test
    void aConnectionWhoseEchoesPauseReportsThatStallAndTheOtherNone() throws Exception {
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                // bounded: two connections, each served until the client closes it
                for (int i = 0; i < 2; i++) {
                    try {
                        Socket s = server.accept();
                        boolean pause = accepted.incrementAndGet() == 1;
                        Thread t = new Thread(() -> serve(s, pause));
                        t.setDaemon(true);
                        t.start();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            echo.setDaemon(true);
            echo.start();

            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream saved = System.out;
            int code;
            try {
                System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
                code = new CommandLine(new LabConnectionsCommand()).execute("--host", "127.0.0.1", "--port",
                        Integer.toString(server.getLocalPort()), "--connections", "2", "--interval-ms", "20", "--duration-s", "2");
            } finally {
                System.setOut(saved);
            }
            List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(code).isZero();
            assertThat(lines).contains("READY", "END");
            assertThat(lines).filteredOn(l -> l.startsWith("CONN ")).hasSize(2).allMatch(l -> l.split(" ")[2].equals("alive"));
            // the first connection accepted is connection 1 (they open in order): its one pause of 400 ms is a GAP line
            List<String[]> gaps = lines.stream().filter(l -> l.startsWith("GAP ")).map(l -> l.split(" ")).toList();
            assertThat(gaps).filteredOn(g -> g[1].equals("1") && Long.parseLong(g[3]) >= 350).hasSize(1);
            assertThat(gaps).filteredOn(g -> g[1].equals("2") && Long.parseLong(g[3]) >= 350).isEmpty();
        }
    }

    /** Echoes lines; with {@code pause}, holds the 10th back for 400 ms. */
    private static void serve(Socket s, boolean pause) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            OutputStream out = s.getOutputStream();
            String line;
            for (int n = 1; (line = in.readLine()) != null; n++) {
                if (pause && n == 10) {
                    Thread.sleep(400);
                }
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (Exception e) {
            // the client closed
        }
    }
}
