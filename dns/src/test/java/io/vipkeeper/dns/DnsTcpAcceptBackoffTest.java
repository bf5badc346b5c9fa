package io.vipkeeper.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A process out of file descriptors: accept fails while the connection stays pending, so the selector reports it again
 * at once. The server pauses accepting (bounded backoff) instead of spinning, counts each failure, and serves the
 * client once accepting works again.
 */
class DnsTcpAcceptBackoffTest {

    @Test
    void failingAcceptPausesWithBoundedBackoffCountsEachFailureAndServesTheClientAfterwards() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long failUntil = System.nanoTime() + Duration.ofMillis(400).toNanos();
        ServerSocketChannel channel = ServerSocketChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = ((InetSocketAddress) channel.getLocalAddress()).getPort();
        DnsTcpServer.Acceptor emfile = server -> {
            calls.incrementAndGet();
            if (System.nanoTime() < failUntil) {
                throw new IOException("Too many open files");
            }
            return server.accept();
        };
        try (DnsTcpServer server = new DnsTcpServer(channel, DnsTcpServer.Limits.DEFAULT, q -> q, r -> { }, failures::incrementAndGet, open -> { },
                emfile).start();
             Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
            client.setSoTimeout(3000);
            DataOutputStream out = new DataOutputStream(client.getOutputStream());
            out.writeShort(3);
            out.write(new byte[] {1, 2, 3});
            out.flush();
            DataInputStream in = new DataInputStream(client.getInputStream());
            long asked = System.nanoTime();
            assertThat(in.readUnsignedShort()).isEqualTo(3); // the echo answerer's answer: served once accepting works
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("served within the failures plus the longest pause")
                    .isLessThan(Duration.ofMillis(400 + 1000 + 500));
        }
        // 400 ms of failures with pauses of 10, 20, 40, 80, 160, 320 ms: a handful of tries, not a spinning loop
        assertThat(failures.get()).as("failed accepts counted").isBetween(1, 10);
        assertThat(calls.get()).as("accept calls").isLessThanOrEqualTo(failures.get() + 3);
    }

    @Test
    void backoffDoublesUpToItsBoundAndResetsAfterASuccess() {
        AcceptBackoff b = new AcceptBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(10));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(20));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(40));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(50));
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(50));
        b.succeeded();
        assertThat(b.failed()).isEqualTo(Duration.ofMillis(10));
    }
}
