package io.vipkeeper.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The UDP flows client and the backends' UDP echo on loopback: the echo names its pod and the source it saw; a flow
 * reports every pod and source that answered it, and one whose answers stop is silent while the others answer on.
 */
class LabUdpFlowsCommandTest {

    @Test
    void theEchoAnswersWithTheLineItsPodAndTheSourceItSaw() throws Exception {
        try (DatagramSocket echo = LabEcho.startUdp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "hello-9");
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            client.setSoTimeout(5000);
            byte[] line = "7 1".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(line, line.length, echo.getLocalSocketAddress()));
            DatagramPacket in = new DatagramPacket(new byte[512], 512);
            client.receive(in);
            assertThat(new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII))
                    .isEqualTo("7 1 hello-9 127.0.0.1:" + client.getLocalPort());
        }
    }

    @Test
    void aFlowAnsweredByTwoPodsNamesBothAndAFlowNoLongerAnsweredIsSilent() throws Exception {
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server.setSoTimeout(2000);
            Thread echo = new Thread(() -> serve(server));
            echo.setDaemon(true);
            echo.start();
            List<String> lines = run(server.getLocalPort());
            List<String[]> flows = lines.stream().filter(l -> l.startsWith("FLOW ")).map(l -> l.split(" ")).toList();
            assertThat(flows).hasSize(2);
            String[] one = flows.stream().filter(f -> f[1].equals("1")).findFirst().orElseThrow();
            String[] two = flows.stream().filter(f -> f[1].equals("2")).findFirst().orElseThrow();
            assertThat(one[2]).isEqualTo("answering");
            assertThat(one[6]).isEqualTo("pod-a,pod-b");
            assertThat(one[7]).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(two[2]).isEqualTo("silent");
            assertThat(Long.parseLong(two[3])).as("answers before they stopped").isEqualTo(10);
            assertThat(Long.parseLong(two[4])).as("longest gap, ms").isGreaterThanOrEqualTo(1000);
            // the silence to the end is a stall of flow 2, with its start; flow 1 had none of 50 ms or more
            assertThat(lines).anyMatch(l -> l.matches("GAP 2 \\d+ \\d+") && Long.parseLong(l.split(" ")[3]) >= 1000)
                    .noneMatch(l -> l.startsWith("GAP 1 ") && Long.parseLong(l.split(" ")[3]) >= 200);
        }
    }

    /**
     * Flow 1 is answered by pod-a for its first 10 datagrams, then by pod-b; flow 2's first 10 are answered, then no
     * more. Bounded by the socket's timeout: it ends once the client has stopped sending.
     */
    private static void serve(DatagramSocket server) {
        int[] seen = new int[3];
        while (true) {
            try {
                DatagramPacket in = new DatagramPacket(new byte[512], 512);
                server.receive(in);
                String line = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
                int flow = Integer.parseInt(line.split(" ")[0]);
                seen[flow]++;
                if (flow == 2 && seen[flow] > 10) {
                    continue;
                }
                String pod = flow == 1 && seen[flow] > 10 ? "pod-b" : "pod-a";
                byte[] out = (line + " " + pod + " " + in.getAddress().getHostAddress() + ":" + in.getPort()).getBytes(StandardCharsets.US_ASCII);
                server.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
            } catch (Exception e) {
                return; // the timeout: the client has stopped
            }
        }
    }

    /** Two flows for 2 s at 20 ms; the client's output. */
    private static List<String> run(int port) {
        List<String> lines = CommandOutput.lines(new LabUdpFlowsCommand(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--flows", "2", "--interval-ms", "20", "--duration-s", "2");
        assertThat(lines).contains("READY", "END");
        return lines;
    }
}
