package io.vipkeeper.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The lab's backends' echo service, TCP and UDP on the same port. TCP: every byte read is written back, one thread per
 * connection, for as long as the peer keeps the connection (long-lived connections through the VIP; see
 * {@code lab failover --connections}). UDP: each datagram comes back with the pod's name and the source it came from
 * appended ({@code LINE POD ADDRESS:PORT}), so a client can tell which pod answered a flow and what source NAT gave it.
 */
final class LabEcho {

    private LabEcho() {
    }

    /** The longest datagram echoed: the flows' lines are short; anything longer is cut. */
    static final int MAX_DATAGRAM = 512;

    static void start(int port, String pod) throws IOException {
        startUdp(new InetSocketAddress(port), pod);
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 256);
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> echo(s), "echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo-accept");
        accept.setDaemon(true);
        accept.start();
        System.out.println("echo listening on port " + port);
    }

    /** The UDP echo on {@code address}, answering as {@code pod} until the socket returned is closed. */
    static DatagramSocket startUdp(InetSocketAddress address, String pod) throws IOException {
        DatagramSocket socket = new DatagramSocket(address);
        Thread t = new Thread(() -> {
            byte[] buf = new byte[MAX_DATAGRAM];
            while (!socket.isClosed()) {
                try {
                    DatagramPacket in = new DatagramPacket(buf, buf.length);
                    socket.receive(in);
                    String line = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII).strip();
                    byte[] out = (line + " " + pod + " " + in.getAddress().getHostAddress() + ":" + in.getPort())
                            .getBytes(StandardCharsets.US_ASCII);
                    socket.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
                } catch (IOException e) {
                    // closed, or one datagram not answered (the flows count it)
                }
            }
        }, "echo-udp");
        t.setDaemon(true);
        t.start();
        return socket;
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the peer went away or reset: nothing to do
        }
    }
}
