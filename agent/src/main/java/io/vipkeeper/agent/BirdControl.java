package io.vipkeeper.agent;

import io.vipkeeper.core.bgp.BirdReplies;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * BIRD's control socket, spoken directly (birdc strips the reply codes): connect, read the hello, send one command,
 * read until the reply's last line. Every call is bounded by {@code timeout}; a socket that does not answer in time
 * is an {@link IOException}, never a hung sync.
 */
final class BirdControl {

    private static final int MAX_REPLY = 16 * 1024 * 1024;

    private final Path socket;
    private final Duration timeout;

    BirdControl(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    Path socket() {
        return socket;
    }

    /** The reply to {@code command} (one line, no newline in it), parsed. */
    List<BirdReplies.Line> call(String command) throws IOException {
        if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("one line per command");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector sel = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            Reader r = new Reader(ch, sel, deadline);
            r.reply(); // 0001 hello
            ByteBuffer out = ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            return BirdReplies.parse(r.reply());
        }
    }

    /** Reads lines until the last line of one reply. */
    private static final class Reader {
        private final SocketChannel ch;
        private final Selector sel;
        private final long deadline;
        private final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        private final StringBuilder pending = new StringBuilder();
        private int total;

        Reader(SocketChannel ch, Selector sel, long deadline) {
            this.ch = ch;
            this.sel = sel;
            this.deadline = deadline;
        }

        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                int nl;
                while ((nl = pending.indexOf("\n")) >= 0) {
                    String line = pending.substring(0, nl);
                    pending.delete(0, nl + 1);
                    lines.add(line);
                    if (BirdReplies.isLast(line)) {
                        return lines;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("BIRD did not answer within the timeout");
                }
                sel.select(Math.max(1, left / 1_000_000));
                sel.selectedKeys().clear();
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    throw new IOException("BIRD closed the control socket");
                }
                total += n;
                if (total > MAX_REPLY) {
                    throw new IOException("BIRD's reply is longer than " + MAX_REPLY + " bytes");
                }
                pending.append(new String(buf.array(), 0, n, StandardCharsets.UTF_8));
            }
        }
    }
}
