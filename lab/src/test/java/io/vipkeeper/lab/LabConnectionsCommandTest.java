package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The long-lived connections client on loopback, against an echo server whose first connection misbehaves: every stall
 * of 50 ms or more is reported with its connection, a reset is told from a wrong echo, the other connection is unharmed.
 */
class LabConnectionsCommandTest {

    /** What the echo server does on its first connection, at the 10th line. */
    private enum Fault {
        PAUSE_400_MS, RESET, WRONG_ECHO
    }

    @Test
    void aConnectionWhoseEchoesPauseReportsThatStallAndTheOtherNone() throws Exception {
        List<String> lines = run(Fault.PAUSE_400_MS);
        assertThat(lines).filteredOn(l -> l.startsWith("CONN ")).hasSize(2).allMatch(l -> l.split(" ")[2].equals("alive"));
        // the first connection accepted is connection 1 (they open in order): its one pause of 400 ms is a GAP line
        List<String[]> gaps = lines.stream().filter(l -> l.startsWith("GAP ")).map(l -> l.split(" ")).toList();
        assertThat(gaps).filteredOn(g -> g[1].equals("1") && Long.parseLong(g[3]) >= 350).hasSize(1);
        assertThat(gaps).filteredOn(g -> g[1].equals("2") && Long.parseLong(g[3]) >= 350).isEmpty();
    }

    @Test
    void aConnectionResetByThePeerIsReportedAsResetAndTheOtherStaysAlive() throws Exception {
        List<String> lines = run(Fault.RESET);
        assertThat(lines).anyMatch(l -> l.startsWith("CONN 1 reset "));
        assertThat(lines).anyMatch(l -> l.startsWith("CONN 2 alive "));
    }

    @Test
    void anEchoThatIsNotTheLineSentIsAnErrorNotAnEcho() throws Exception {
        List<String> lines = run(Fault.WRONG_ECHO);
        String conn1 = lines.stream().filter(l -> l.startsWith("CONN 1 ")).findFirst().orElseThrow();
        assertThat(conn1.split(" ")[2]).isEqualTo("error");
        assertThat(Long.parseLong(conn1.split(" ")[4])).as("echoes counted before the wrong one").isEqualTo(9);
        assertThat(lines).anyMatch(l -> l.startsWith("CONN 2 alive "));
    }

    /** Two connections for 2 s at 20 ms to an echo server that applies {@code fault} to the first; the client's output. */
    private static List<String> run(Fault fault) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                // bounded: two connections, each served until the client closes it
                for (int i = 0; i < 2; i++) {
                    try {
                        Socket s = server.accept();
                        Fault f = i == 0 ? fault : null;
                        Thread t = new Thread(() -> serve(s, f));
                        t.setDaemon(true);
                        t.start();
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            echo.setDaemon(true);
            echo.start();

            List<String> lines = CommandOutput.lines(new LabConnectionsCommand(), "--host", "127.0.0.1", "--port",
                    Integer.toString(server.getLocalPort()), "--connections", "2", "--interval-ms", "20", "--duration-s", "2");
            assertThat(lines).contains("READY", "END");
            return lines;
        }
    }

    /** Echoes lines; {@code fault} (when not null) strikes at the 10th. */
    private static void serve(Socket s, Fault fault) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            OutputStream out = s.getOutputStream();
            String line;
            for (int n = 1; (line = in.readLine()) != null; n++) {
                if (n == 10 && fault == Fault.PAUSE_400_MS) {
                    Thread.sleep(400);
                } else if (n == 10 && fault == Fault.RESET) {
                    s.setSoLinger(true, 0); // close now sends a RST
                    return;
                } else if (n == 10 && fault == Fault.WRONG_ECHO) {
                    line = "99 " + line;
                }
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (Exception e) {
            // the client closed
        }
    }
}
